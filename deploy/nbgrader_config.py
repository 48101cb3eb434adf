# /etc/jupyter/nbgrader_config.py, written by deploy/setup.sh: what every account's nbgrader
# needs from its own home, where the course's nbgrader_config.py is not. The values come from
# course_config.py when setup.sh runs: the course id and the exchange for fetch, submit and
# fetch_feedback; for the Validate button, the longest cell time of any assignment (nbgrader's
# default, 30 s, stops a model's training on a busy machine) and TensorFlow's stderr chatter,
# which is not a cell's output.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = @COURSE_ID@
c.Exchange.root = @EXCHANGE_ROOT@
c.Execute.timeout = @CELL_TIMEOUT@
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = @TF_STDERR_PATTERN@
