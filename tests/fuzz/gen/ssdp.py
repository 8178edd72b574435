#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/ssdp/ (also read by tests/unit/test-proto-ssdp.c):
SSDP datagrams in the shapes UPnP Device Architecture 2.0 section 1 and
common stacks (miniupnpd, minidlna, gupnp) send, and malformed ones."""
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "ssdp")
os.makedirs(out, exist_ok=True)


def save(name, lines, end="\r\n"):
    data = lines if isinstance(lines, bytes) else end.join(lines).encode()
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)


UUID = "uuid:4d696e69-444c-164e-9d41-b827eb123456"

save("ssdp-notify", [
    "NOTIFY * HTTP/1.1",
    "HOST: 239.255.255.250:1900",
    "CACHE-CONTROL: max-age=1800",
    "LOCATION: http://192.168.1.50:8200/rootDesc.xml",
    "SERVER: Linux/6.1 DLNADOC/1.50 UPnP/1.0 MiniDLNA/1.3.3",
    "NT: urn:schemas-upnp-org:device:MediaServer:1",
    "USN: " + UUID + "::urn:schemas-upnp-org:device:MediaServer:1",
    "NTS: ssdp:alive",
    "OPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01",
    "01-NLS: 1",
    "", ""])

# LF line ends, as some stacks send.
save("ssdp-msearch", [
    "M-SEARCH * HTTP/1.1",
    "HOST: 239.255.255.250:1900",
    "MAN: \"ssdp:discover\"",
    "MX: 2",
    "ST: ssdp:all",
    "USER-AGENT: Linux/6.1 UPnP/2.0 GUPnP/1.6.3",
    "", ""], end="\n")

# Mixed-case names, blanks around values, no blank line, the last line without its CRLF.
save("ssdp-response", [
    "HTTP/1.1 200 OK",
    "Cache-Control: max-age=120",
    "st:\tupnp:rootdevice ",
    "Usn: " + UUID + "::upnp:rootdevice",
    "Ext:",
    "Server:   Linux/5.10 UPnP/1.1 MiniUPnPd/2.3.3  ",
    "Location: http://192.168.1.1:5000/rootDesc.xml"])

# A control byte, a tab and UTF-8 in SERVER; USN longer than the text; SERVER repeated (the first
# counts); an empty ST; a body after the blank line that must not be read as headers.
save("ssdp-escapes", b"NOTIFY * HTTP/1.0\r\nSERVER: a\x01b\tc\xc3\xa9\\\r\nSERVER: second\r\nST:\r\nUSN: "
     + b"u" * 300 + b"\r\n\r\nLOCATION: http://body/\r\n")
save("ssdp-status-bare", ["HTTP/1.0 404", "ST: x", ""])

save("bad-get", ["GET / HTTP/1.1", "Host: x", "", ""])
save("bad-method-case", ["notify * HTTP/1.1", "NT: x", "", ""])
save("bad-version", ["NOTIFY * HTTP/2.0", "NT: x", "", ""])
save("bad-status-digits", ["HTTP/1.1 2x0 OK", "", ""])
save("bad-status-glued", ["HTTP/1.1 200OK", "", ""])
save("bad-status-version", ["HTTP/2 200 OK", "", ""])
save("bad-binary", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03")
save("bad-no-colon", ["NOTIFY * HTTP/1.1", "NT: x", "garbage line", "USN: y", "", ""])
save("bad-empty-name", ["NOTIFY * HTTP/1.1", ": value", "", ""])
save("bad-folded", ["NOTIFY * HTTP/1.1", "SERVER: a", " continued", "", ""])
save("bad-blank-in-name", ["M-SEARCH * HTTP/1.1", "ST : ssdp:all", "", ""])
