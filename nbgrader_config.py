"""nbgrader's configuration for this course, read by every nbgrader command run from this folder.

The settings live in course_config.py, the course's single home of settings: this file only
hands nbgrader's config to it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from course_config import configure

configure(get_config())  # noqa: F821
