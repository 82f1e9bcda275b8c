"""``python -m pml_trials`` does what ``pml-trials`` does."""

from pml_trials.cli import main

if __name__ == "__main__":
    main()
