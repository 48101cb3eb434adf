"""A preprocessor for nbgrader's own feedback (`nbgrader generate_feedback`): it hides the hidden
tests.

nbgrader 0.9.6 renders feedback from the autograded notebook with `GetGrades` and
`CSSHTMLHeaderPreprocessor` only, so every test cell shows its hidden block (the hooks into the
kit, `from autograder.inkernel import run_check`) and what it printed in the kernel, tracebacks
through the kit's files included. course_config.configure puts `HideHiddenTests` between the two.
It removes each hidden block from the cell's source and, from the outputs of such a cell, the
lines the hooks print and every traceback frame: an error keeps only its type and message (the
message a failed check gives is the one written for students).
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HIDDEN_NOTE = "# (hidden tests ran here)"


def without_hidden_block(source: str) -> str:
    """`source` with each hidden test block replaced by one comment line."""
    lines, hidden = [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            hidden = True
            lines.append(line[: len(line) - len(line.lstrip())] + HIDDEN_NOTE)
        elif stripped == END:
            hidden = False
        elif not hidden:
            lines.append(line)
    return "\n".join(lines)


def _clean_output(output: dict) -> dict | None:
    if output.get("output_type") == "stream":
        text = "".join(output.get("text", ""))
        kept = [line for line in text.splitlines(keepends=True)
                if not line.rstrip().endswith(": passed")]
        if not kept:
            return None
        output["text"] = "".join(kept)
        return output
    if output.get("output_type") == "error":
        output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return output
    return output


class HideHiddenTests(Preprocessor):
    """Remove hidden test blocks, and what they printed, from the cells of a feedback notebook."""

    enabled = Bool(True, help="nbconvert runs a registered preprocessor only if enabled").tag(
        config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and BEGIN in cell.source:
            cell.source = without_hidden_block(cell.source)
            cell.outputs = [out for out in map(_clean_output, cell.outputs) if out is not None]
        return cell, resources
