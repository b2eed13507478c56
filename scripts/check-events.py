#!/usr/bin/env python3
"""Check that every events/*.json file is an API Gateway proxy event.

`sam local invoke -e FILE` and `cargo lambda invoke --data-file FILE` pass a
file to the function as it is, so a malformed event only shows up when the
function rejects it. This check catches that without Docker: each file must be
valid JSON and shaped as a REST API proxy event (payload format 1.0) or an
HTTP API event (payload format 2.0).

Usage: check-events.py [DIRECTORY]   (default: events)
Exit status: 0 when every file passes, 1 otherwise.
"""

import json
import sys
from pathlib import Path

HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def check_common(event, problems):
    """Check the fields that both payload formats share."""
    for field in ("headers", "pathParameters", "queryStringParameters"):
        value = event.get(field)
        if value is not None and not isinstance(value, dict):
            problems.append(f"{field} must be an object or null")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(item, str):
                    problems.append(f"{field}.{key} must be a string")
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        problems.append("body must be a string or null (API Gateway sends JSON as text)")
    flag = event.get("isBase64Encoded")
    if flag is not None and not isinstance(flag, bool):
        problems.append("isBase64Encoded must be true or false")


def check_rest_event(event, problems):
    """Check a REST API proxy event (payload format 1.0)."""
    method = event.get("httpMethod")
    if method not in HTTP_METHODS:
        problems.append(f"httpMethod must be one of {sorted(HTTP_METHODS)}, found {method!r}")
    if not isinstance(event.get("path"), str):
        problems.append("path must be a string")
    context = event.get("requestContext")
    if not isinstance(context, dict):
        problems.append("requestContext must be an object")
        return
    for field in ("requestId", "stage"):
        if not isinstance(context.get(field), str):
            problems.append(f"requestContext.{field} must be a string")
    identity = context.get("identity")
    if identity is not None and not isinstance(identity, dict):
        problems.append("requestContext.identity must be an object")
    multi_value = event.get("multiValueHeaders")
    if multi_value is not None and not isinstance(multi_value, dict):
        problems.append("multiValueHeaders must be an object or null")


def check_http_api_event(event, problems):
    """Check an HTTP API event (payload format 2.0)."""
    for field in ("routeKey", "rawPath"):
        if not isinstance(event.get(field), str):
            problems.append(f"{field} must be a string")
    context = event.get("requestContext")
    if not isinstance(context, dict):
        problems.append("requestContext must be an object")
        return
    if not isinstance(context.get("requestId"), str):
        problems.append("requestContext.requestId must be a string")
    http = context.get("http")
    if not isinstance(http, dict):
        problems.append("requestContext.http must be an object")
    elif http.get("method") not in HTTP_METHODS:
        problems.append(f"requestContext.http.method must be one of {sorted(HTTP_METHODS)}")
    authorizer = context.get("authorizer")
    if authorizer is not None and not isinstance(authorizer, dict):
        problems.append("requestContext.authorizer must be an object")


def check_file(path):
    """Return the problems found in one event file."""
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"not valid JSON: {error}"]
    if not isinstance(event, dict):
        return ["the top level must be a JSON object"]

    problems = []
    check_common(event, problems)
    version = event.get("version")
    if version == "2.0":
        check_http_api_event(event, problems)
    elif version in (None, "1.0"):
        check_rest_event(event, problems)
    else:
        problems.append(f'version must be "1.0", "2.0" or absent, found {version!r}')
    return problems


def main(argv):
    directory = Path(argv[1] if len(argv) > 1 else "events")
    files = sorted(directory.glob("*.json"))
    if not files:
        print(f"check-events: no *.json files in {directory}/", file=sys.stderr)
        return 1

    failed = 0
    for path in files:
        problems = check_file(path)
        if problems:
            failed += 1
            for problem in problems:
                print(f"check-events: {path}: {problem}", file=sys.stderr)
    print(f"check-events: {len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
