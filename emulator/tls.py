"""Throw-away TLS certificates so clients can use ``wss://`` with verification ON.

The official demo hard-codes ``wss://`` and the default SSL context; a private CA that
the client (or ``SSL_CERT_FILE``) trusts lets it run unchanged against the emulator,
without anyone turning certificate checks off.
"""

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_HOSTNAMES: Final = ("localhost",)
SERVER_ADDRESSES: Final = ("127.0.0.1",)
_VALIDITY: Final = datetime.timedelta(days=7)
_CLOCK_SKEW: Final = datetime.timedelta(hours=1)
_PRIVATE_FILE_MODE: Final = 0o600


@dataclass(frozen=True, slots=True)
class CertificatePaths:
    """PEM files written by ``write_certificates``."""

    ca_file: Path
    """The CA certificate a client must trust."""
    cert_file: Path
    """The server certificate."""
    key_file: Path
    """The server's private key."""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _ca_certificate(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = _name("Volcengine TTS emulator test CA")
    return (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .sign(key, hashes.SHA256())
    )


def _server_certificate(
    key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    names: list[x509.GeneralName] = [x509.DNSName(host) for host in SERVER_HOSTNAMES]
    names += [x509.IPAddress(ipaddress.ip_address(address)) for address in SERVER_ADDRESSES]
    authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return (
        _builder(_name(SERVER_HOSTNAMES[0]), ca.subject, key.public_key())
        .add_extension(authority, critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def write_certificates(directory: Path) -> CertificatePaths:
    """Create a fresh CA and a server certificate for localhost / 127.0.0.1 in ``directory``."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _ca_certificate(ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = _server_certificate(server_key, ca, ca_key)
    paths = CertificatePaths(
        ca_file=directory / "ca.pem",
        cert_file=directory / "server.pem",
        key_file=directory / "server-key.pem",
    )
    paths.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths.key_file.touch(mode=_PRIVATE_FILE_MODE)
    paths.key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def server_ssl_context(paths: CertificatePaths) -> ssl.SSLContext:
    """Build the emulator's server-side TLS context."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths.cert_file, paths.key_file)
    return context


def client_ssl_context(ca_file: Path) -> ssl.SSLContext:
    """Build a client context that trusts only the emulator's CA, with verification on."""
    return ssl.create_default_context(cafile=ca_file)
