"""tests/s3/buckets.py: empties and deletes test buckets in one process
(the AWS CLI costs a second a call; this costs a few milliseconds a request).

    $PY_BOTO tests/s3/buckets.py empty|drop SERVER BUCKET...
    $PY_BOTO tests/s3/buckets.py drop-listed FILE    (lines "SERVER BUCKET")

SERVER is rgw or swift; endpoints and keys come from the environment that
build/s3/env.sh exports. `empty` aborts open multipart uploads and deletes
every object version and delete marker; `drop` then deletes the bucket (a
bucket already gone is fine). Exit status 1 if anything failed.
"""
import os
import sys

# only the checksums S3 requires (newer botocore adds CRC32 trailers that
# radosgw 16 refuses); older botocore ignores these
os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
os.environ.setdefault("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required")

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

SERVERS = {
    "rgw": ("RGW_ENDPOINT", "RGW_ACCESS_KEY", "RGW_SECRET_KEY"),
    "swift": ("SWIFT_ENDPOINT", "SWIFT_ACCESS_KEY", "SWIFT_SECRET_KEY"),
}
clients = {}


def client(server):
    if server not in clients:
        ep, ak, sk = (os.environ[v] for v in SERVERS[server.replace("-tls", "")])
        clients[server] = boto3.client(
            "s3", endpoint_url=ep, aws_access_key_id=ak,
            aws_secret_access_key=sk, region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"},
                          retries={"max_attempts": 2}))
    return clients[server]


def empty(c, bucket):
    for page in c.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for u in page.get("Uploads") or []:
            c.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
    # list again after each round: deleting while paging can skip entries
    for _ in range(1000):
        page = c.list_object_versions(Bucket=bucket)
        items = (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
        if not items:
            return
        for v in items:
            c.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])


def main(argv):
    if len(argv) >= 2 and argv[0] == "drop-listed":
        with open(argv[1]) as f:
            jobs = [("drop",) + tuple(line.split()) for line in f if line.strip()]
    elif len(argv) >= 3 and argv[0] in ("empty", "drop"):
        jobs = [(argv[0], argv[1], b) for b in argv[2:]]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    rc = 0
    for verb, server, bucket in dict.fromkeys(jobs):
        c = client(server)
        try:
            empty(c, bucket)
            if verb == "drop":
                c.delete_bucket(Bucket=bucket)
        except c.exceptions.NoSuchBucket:
            pass
        except Exception as e:  # report and go on with the others
            print("buckets.py: %s %s on %s: %s" % (verb, bucket, server, e), file=sys.stderr)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
