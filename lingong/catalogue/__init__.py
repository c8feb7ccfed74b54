"""The catalogue of every problem a file can have (issues.py: code, severity, Chinese message and
hint) and the page docs/问题代码.md made from it (doc.py)."""
