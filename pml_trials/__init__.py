"""pml-trials: pre-screen patients with PML against clinical trials.

Kept deliberately empty of imports: start-up time is felt on every call.
"""

__version__ = "0.1.0"
DISCLAIMER = "Pre-screening only. The study team decides eligibility."
