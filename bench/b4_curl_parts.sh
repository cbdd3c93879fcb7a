#!/bin/sh
# b4_curl_parts.sh URL USER CA DIR: B4's multipart peer. curl sends DIR's
# parts (p1, p2, ... of 64 MiB, each with its SHA-256 in pN.sha, made
# before the clock starts) as one multipart upload to URL, in turn:
# CreateMultipartUpload, UploadPart of each with its real payload hash,
# CompleteMultipartUpload (curl --aws-sigv4 signs every request). What
# the server's per-part work costs a client that hashes nothing: the
# floor under s3pub's multipart wall row. Exits 1 on any failure.
url=$1 user=$2 ca=$3 d=$4
empty=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
c() {
	curl -sS --fail --noproxy "*" ${ca:+--cacert "$ca"} \
		--aws-sigv4 "aws:amz:us-east-1:s3" --user "$user" "$@"
}
c -H "x-amz-content-sha256: $empty" -X POST -o "$d/create" "$url?uploads=" || exit 1
id=$(sed -n 's:.*<UploadId>\([^<]*\)</UploadId>.*:\1:p' "$d/create")
[ -n "$id" ] || exit 1
xml="<CompleteMultipartUpload>"
i=1
while [ -f "$d/p$i" ]; do
	c -H "x-amz-content-sha256: $(cat "$d/p$i.sha")" -T "$d/p$i" -D "$d/head" \
		-o /dev/null "$url?partNumber=$i&uploadId=$id" || exit 1
	etag=$(tr -d '\r' <"$d/head" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')
	[ -n "$etag" ] || exit 1
	xml="$xml<Part><PartNumber>$i</PartNumber><ETag>$etag</ETag></Part>"
	i=$((i + 1))
done
xml="$xml</CompleteMultipartUpload>"
printf '%s' "$xml" >"$d/complete"
h=$(sha256sum <"$d/complete" | cut -c1-64)
c -H "x-amz-content-sha256: $h" -H "Content-Type: application/xml" \
	--data-binary @"$d/complete" -o "$d/done" "$url?uploadId=$id" || exit 1
# a 200 whose body is an error is a failure (S3 documents it for Complete)
! grep -q '<Error>' "$d/done"
