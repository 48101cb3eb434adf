# /etc/jupyter/nbgrader_config.py, written by deploy/setup.sh: what every account's nbgrader
# needs from its own home, where the course's nbgrader_config.py is not. The values come from
# course_config.py (COURSE_ID, EXCHANGE_ROOT) when setup.sh runs.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "@COURSE_ID@"
c.Exchange.root = "@EXCHANGE@"
