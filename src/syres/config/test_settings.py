"""Settings for the test suite: the production settings with a throw-away data directory."""

import os
import tempfile

# Before the settings read it: tests never touch the developer's ./var.
os.environ.setdefault("SYRES_DATA_DIR", tempfile.mkdtemp(prefix="syres-test-data-"))

from syres.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
