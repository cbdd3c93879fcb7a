# s3pub in an image with nothing else: the static binary and a CA bundle.
#
#   make scratch-root                  # build/scratch/ for this machine, or
#   make CROSS=aarch64 scratch-root    # ... for arm64 (CROSS=armv7: arm/v7)
#   docker build -t s3pub .            # (--platform linux/arm64 to match)
#   docker run --rm -v "$PWD/results:/data:ro" \
#       -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY \
#       s3pub publish /data s3://my-bucket/runs/{date}-{time}
#
# build/scratch/ holds all the binary reads at run time (scripts/
# scratch-root.sh; tests/e2e_scratch.sh runs it chrooted with an empty
# environment to prove it):
#   /s3pub                                 static (musl, BearSSL), no loader
#   /etc/ssl/certs/ca-certificates.crt     trust anchors for https (Debian's
#                                          ca-certificates at build time)
# Docker itself provides /etc/resolv.conf and /etc/hosts, for DNS names.
# No shell and no /tmp, and s3pub needs neither; only a credential_process
# in an AWS config (run through /bin/sh) cannot work here: give keys in the
# environment or a mounted credentials file, or use web identity, ECS or
# IMDS credentials.
FROM scratch
COPY build/scratch/ /
ENTRYPOINT ["/s3pub"]
CMD ["--help"]
