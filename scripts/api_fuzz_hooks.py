"""schemathesis hooks for `make api-fuzz` (SCHEMATHESIS_HOOKS=api_fuzz_hooks).

- tus PATCH bodies are `application/offset+octet-stream`: sent as raw bytes.
- A body that names a phone (`device_id`) names the one whose credentials the
  run sends (CASA_FUZZ_DEVICE), so that the sync and report routes are
  explored past the "another phone" refusal.
"""
import os

import schemathesis
from schemathesis.transport.requests import REQUESTS_TRANSPORT
from schemathesis.transport.serialization import serialize_binary


@REQUESTS_TRANSPORT.serializer("application/offset+octet-stream")
def tus_chunk(ctx, value):
    return {"data": serialize_binary(value)}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    device = os.environ.get("CASA_FUZZ_DEVICE")
    if device and isinstance(case.body, dict) and "device_id" in case.body:
        case.body["device_id"] = device
