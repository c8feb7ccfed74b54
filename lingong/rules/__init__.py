"""The rules of the assessment as the bureau edits them (templates/rules.toml): loaded and
checked (load.py, check.py), with the placeholders its texts may use (placeholders.py)."""
