"""The example notebook runs top to bottom."""

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import EXAMPLES


def test_the_example_notebook_runs():
    pytest.importorskip("ipykernel")
    path = EXAMPLES / "10-python.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o for o in outputs if o.output_type == "execute_result" and "text/html" in o.data]
    assert any("<iframe srcdoc=" in o.data["text/html"] for o in html)  # the explained step
    assert any("correct" in o.data["text/html"] or "✓" in o.data["text/html"] for o in html)
