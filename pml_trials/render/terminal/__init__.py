"""Terminal views of results, drawn with rich: the table, explanations, study pages."""
