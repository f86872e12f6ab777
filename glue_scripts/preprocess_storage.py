"""Where the job's input and output are: local files, or S3 through boto3 (the only place boto3 is used).

boto3 is imported when a URI is s3://; it honours AWS_ENDPOINT_URL, with path-style addressing, so the local
stack can run the job with a plain python3.
"""
from __future__ import annotations

import os

from preprocess_errors import EXIT_USAGE, FatalError

class StoredObject(object):
    """One input object: where it is, how big, its ETag when known, and how to open it."""

    def __init__(self, uri, relative_name, size, etag, opener):
        self.uri = uri
        self.relative_name = relative_name
        self.size = size
        self.etag = etag
        self.open = opener

    @property
    def base_name(self):
        return self.relative_name.rsplit("/", 1)[-1]


def is_s3_uri(uri):
    return uri.startswith("s3://")


def split_s3_uri(uri):
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket:
        raise FatalError("not an S3 URI with a bucket: %s" % uri, EXIT_USAGE)
    return bucket, key


def default_s3_client():
    """A boto3 S3 client; path-style when AWS_ENDPOINT_URL points at a local endpoint."""
    import boto3  # imported here so that local runs need no boto3
    from botocore.config import Config

    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if endpoint:
        return boto3.client("s3", endpoint_url=endpoint, region_name=region or "us-east-1",
                            config=Config(s3={"addressing_style": "path"}))
    return boto3.client("s3", region_name=region)


def _s3_error_code(error):
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _is_missing_object(error):
    return _s3_error_code(error) in ("NoSuchKey", "404", "NotFound")


class S3Store(object):
    def __init__(self, client_factory):
        self._client_factory = client_factory
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def list(self, uri):
        bucket, prefix = split_s3_uri(uri)
        folder = prefix if prefix.endswith("/") or not prefix else prefix + "/"
        objects = []
        for entry in self._list_entries(bucket, prefix):
            key = entry["Key"]
            if key.endswith("/") or not (key == prefix or key.startswith(folder)):
                continue
            relative = key[len(folder):] if key.startswith(folder) else key.rsplit("/", 1)[-1]
            objects.append(StoredObject("s3://%s/%s" % (bucket, key), relative, int(entry.get("Size", 0)),
                                        str(entry.get("ETag", "")).strip('"') or None,
                                        self._opener(bucket, key)))
        return sorted(objects, key=lambda stored: stored.uri)

    def _list_entries(self, bucket, prefix):
        token = None
        while True:
            request = {"Bucket": bucket, "Prefix": prefix}
            if token:
                request["ContinuationToken"] = token
            page = self.client.list_objects_v2(**request)
            for entry in page.get("Contents", []) or []:
                yield entry
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return

    def _opener(self, bucket, key):
        return lambda: self.client.get_object(Bucket=bucket, Key=key)["Body"]

    def read_optional(self, uri):
        """The object's bytes, or None when it does not exist."""
        bucket, key = split_s3_uri(uri)
        try:
            body = self.client.get_object(Bucket=bucket, Key=key)["Body"]
        except Exception as error:  # botocore's ClientError, or a test double's
            if _is_missing_object(error):
                return None
            raise
        try:
            return body.read()
        finally:
            close_quietly(body)

    def upload(self, local_path, uri):
        bucket, key = split_s3_uri(uri)
        self.client.upload_file(local_path, bucket, key)


class LocalStore(object):
    def list(self, uri):
        path = os.path.abspath(uri)
        if os.path.isfile(path):
            return [self._stored(path, os.path.basename(path))]
        if not os.path.isdir(path):
            raise FatalError("input not found: %s" % uri)
        objects = []
        for folder, subfolders, files in os.walk(path):
            subfolders.sort()
            for name in files:
                full = os.path.join(folder, name)
                objects.append(self._stored(full, os.path.relpath(full, path).replace(os.sep, "/")))
        return sorted(objects, key=lambda stored: stored.relative_name)

    @staticmethod
    def _stored(path, relative):
        return StoredObject(path, relative, os.path.getsize(path), None, lambda: open(path, "rb"))

    @staticmethod
    def read_optional(uri):
        if not os.path.isfile(uri):
            return None
        with open(uri, "rb") as handle:
            return handle.read()


def close_quietly(stream):
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # closing a half-read HTTP body may complain; nothing to do about it
            pass
