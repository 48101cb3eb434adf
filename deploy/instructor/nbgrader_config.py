# Instructors' servers on the hub read this (JUPYTER_CONFIG_PATH, set by jupyterhub_config.py):
# formgrader works on the course folder, written here by deploy/setup.sh.
c = get_config()  # noqa: F821
c.CourseDirectory.root = "@COURSE_DIR@"
