"""tests/s3/if_none_match.py ENDPOINT ACCESS_KEY SECRET_KEY: how a server
takes If-None-Match: * (--no-overwrite's second guard) on PutObject and on
CompleteMultipartUpload of an existing key, with boto3 as the client.
Prints two lines, "put: refused|ignored CODE" and "complete: ...", and
cleans up its bucket."""
import os, sys, boto3
from botocore.config import Config
os.environ.setdefault("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required")
ep, ak, sk = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=ep, aws_access_key_id=ak, aws_secret_access_key=sk, region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
b = "inm-probe-" + os.urandom(4).hex()
s3.create_bucket(Bucket=b)
s3.put_object(Bucket=b, Key="k", Body=b"one")
def add(request, **kw): request.headers["If-None-Match"] = "*"
s3.meta.events.register("before-sign.s3.PutObject", add)
try:
    s3.put_object(Bucket=b, Key="k", Body=b"two")
    r = s3.get_object(Bucket=b, Key="k")["Body"].read()
    print("put: ignored")
except Exception as e:
    print("put: refused", e.response["Error"]["Code"])
s3.meta.events.unregister("before-sign.s3.PutObject", add)
s3.meta.events.register("before-sign.s3.CompleteMultipartUpload", add)
u = s3.create_multipart_upload(Bucket=b, Key="k")["UploadId"]
p = s3.upload_part(Bucket=b, Key="k", UploadId=u, PartNumber=1, Body=b"three")
try:
    s3.complete_multipart_upload(Bucket=b, Key="k", UploadId=u, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
    print("complete: ignored")
except Exception as e:
    print("complete: refused", e.response["Error"]["Code"])
    s3.abort_multipart_upload(Bucket=b, Key="k", UploadId=u)
for o in s3.list_objects_v2(Bucket=b).get("Contents", []): s3.delete_object(Bucket=b, Key=o["Key"])
s3.delete_bucket(Bucket=b)
