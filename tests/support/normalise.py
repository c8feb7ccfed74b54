"""Output files compared as their contents: workbook cells, parsed JSON and mail parts,
without run ids, output paths and zip times. The normalisation lives in tools/compare_outputs.py
so that a demo run before and after a change is compared the same way as the tests compare."""

from tools.compare_outputs import content

__all__ = ["content"]
