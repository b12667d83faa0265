# The offline stand-in for python:3.11-slim that deploy/compose/base-image.sh builds on top
# of a `docker import`ed Debian bookworm root file system (python3 3.11, pip, venv,
# ca-certificates, passwd). A venv first on PATH gives `python` and `pip` as the official
# image has them; the host's CA bundle (copied into the build context by the script)
# lets pip inside later builds trust a TLS-intercepting proxy as the host does.
#
#   docker build -f standin.Dockerfile --tag python:3.11-slim DIR
FROM mnist-serving/bookworm-python3:standin
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN python3 -m venv /usr/local/python && /usr/local/python/bin/python -m pip --version
ENV PATH=/usr/local/python/bin:$PATH \
    LANG=C.UTF-8
CMD ["python"]
