# The idpsync release image: a static binary and the CA certificates it needs
# to reach the Cloudflare API over TLS, nothing else. GoReleaser builds it
# (dockers_v2 in .goreleaser.yaml) from the binaries of a release, one per
# platform in $TARGETPLATFORM/idpsync of its build context.
#
#   docker run --rm -e CLOUDFLARE_API_TOKEN -v "$PWD:/work" ghcr.io/idpsync/idpsync:VERSION plan idp/

# The certificates come from Alpine's bundle; this stage runs on the build
# machine's own platform, so no emulation is needed for any target.
FROM --platform=$BUILDPLATFORM alpine:3.22 AS certs
RUN apk add --no-cache ca-certificates

FROM scratch
ARG TARGETPLATFORM
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY $TARGETPLATFORM/idpsync /usr/local/bin/idpsync
# No shell, no root: the configuration is mounted at /work.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/idpsync"]
