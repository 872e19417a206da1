"""Write the example in-house history of docs/baseline.md: ``python examples/baseline/generate.py``.

The contact centre's own calls of 2025, the year before the contract with CallNet
(examples/contact-centre.yaml) begins, from the demo generator with the in-house answer times
(servicepact.services.baseline.write_example_history). The same seed writes the same bytes, so
the committed calls.csv can be checked against a fresh run.
"""

from pathlib import Path

from servicepact.services.baseline import write_example_history

if __name__ == "__main__":
    path = write_example_history(Path(__file__).resolve().parent)
    print(f"wrote {path}")
