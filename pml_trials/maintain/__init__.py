"""Tools for the people who maintain criteria files: a skeleton from a registry record
(:mod:`.skeleton`), what an amendment changes (:mod:`.diff`), and review age (:mod:`.review`)."""
