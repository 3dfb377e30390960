"""Files for the attachment tests: real images (with EXIF orientation and a GPS position), and hostile ones."""
from io import BytesIO

from PIL import Image

GPS_TAG = 0x8825
ORIENTATION_TAG = 0x0112


def png(width: int = 64, height: int = 40, color=(79, 70, 229)) -> bytes:
    out = BytesIO()
    Image.new('RGB', (width, height), color).save(out, 'PNG')
    return out.getvalue()


def photo(width: int = 120, height: int = 80, *, orientation: int = 6) -> bytes:
    """A JPEG as a phone takes it: stored sideways with an orientation tag, and where it was taken."""
    image = Image.new('RGB', (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    exif[GPS_TAG] = {1: 'N', 2: (38.0, 42.0, 0.0), 3: 'W', 4: (9.0, 8.0, 0.0)}
    exif[0x010F] = 'PhoneMaker'   # camera make
    out = BytesIO()
    image.save(out, 'JPEG', exif=exif)
    return out.getvalue()


def pdf() -> bytes:
    return b'%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n' + b' ' * 2000


SVG_WITH_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>document.title = "pwned"; fetch("/api/x")</script><rect width="10" height="10"/></svg>')
HTML_PAGE = b'<!DOCTYPE html><html><body><script>document.title = "pwned"</script></body></html>'
WINDOWS_PROGRAM = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff' + b'\0' * 200 + b'This program cannot be run'
LINUX_PROGRAM = b'\x7fELF\x02\x01\x01' + b'\0' * 200
