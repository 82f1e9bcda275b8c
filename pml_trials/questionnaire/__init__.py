"""The interactive questionnaire: which question next (pure), and the prompt loop."""
