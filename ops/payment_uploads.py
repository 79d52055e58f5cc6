"""A payment file sent over HTTP: written to a private temporary file as it arrives, posted, then removed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path, PurePath

from ops.context import OpsContext
from ops.errors import OpsError
from ops.posting import PostingReport, post_file


async def posted_upload(ctx: OpsContext, body: AsyncIterator[bytes], name: str, *, actor: str) -> PostingReport:
    """Post the uploaded file as if `payments post` were given it under `name`."""
    base = PurePath(name).name
    if not base or base in (".", ".."):
        raise OpsError(f"a file name is needed, got {name!r}: nothing posted")
    with tempfile.TemporaryDirectory(prefix="payment-file-") as folder:
        path = Path(folder) / base
        with open(path, "xb") as out:  # the folder is new and 0700: nobody else reads the payers' names
            async for chunk in body:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return await post_file(ctx, path, actor=actor)
