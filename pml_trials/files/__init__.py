"""Files the tool reads and writes: one atomic writer, bounded reads, and the checks that
keep an output from destroying an input."""
