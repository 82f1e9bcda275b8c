"""The clinic reports (Markdown and HTML) and what they share: escaping, markup, values,
footers, style and the file they are written to."""
