"""A trusted autograder for the RNN course: student notebooks run sandboxed, checks run apart."""

import sys

# nbformat imports jsonschema, whose IRI format checker compiles a grammar when it is imported
# (0.7 s of every grading process and sandbox); the kit checks no IRIs.
sys.modules.setdefault("rfc3987_syntax", None)

__version__ = "0.1.0"
