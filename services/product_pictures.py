"""Pictures for the demo store's products: one simple illustration per product type, drawn with Pillow (a soft
background, the type's shape, the product's initial in a badge), saved as PNG files with random names the way
services/images.py saves shared images, in their own folder, served to everyone at `/media/products/<name>`
(pages/product_pictures.py): product pictures are the public catalogue, not a conversation's images.

Drawing all of them is a few milliseconds each; callers run `save_pictures` in a worker thread."""
from __future__ import annotations

import functools
import io
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

PICTURES_URL = '/media/products'
"""Where pages/product_pictures.py serves the folder's files."""
FOLDER = 'products'
"""The pictures' folder inside the uploads folder."""
SIZE = (480, 480)
"""Square, as the demo store's cards crop them; the shape is drawn on a 480 x 360 stage in the middle."""
STAGE = (480, 360)
Colour = tuple[int, int, int]
Draw = ImageDraw.ImageDraw
# (background, shape, accent) per product type; unknown types take the last.
PALETTES: dict[str, tuple[Colour, Colour, Colour]] = {
    'Socks': ((232, 240, 232), (92, 130, 104), (226, 170, 90)),
    'Jackets': ((226, 234, 242), (52, 84, 120), (214, 96, 72)),
    'Drinkware': ((222, 238, 244), (54, 120, 150), (240, 240, 236)),
    'Accessories': ((246, 234, 222), (182, 96, 62), (248, 232, 206)),
    'Camping': ((236, 240, 224), (120, 140, 62), (236, 190, 84)),
    'Candles': ((248, 238, 224), (236, 214, 176), (238, 146, 58)),
    'Care': ((240, 232, 242), (140, 104, 150), (226, 208, 232)),
    'Footwear': ((238, 232, 226), (122, 88, 62), (214, 180, 132)),
    'Gift Sets': ((246, 230, 232), (196, 84, 100), (244, 206, 110)),
    'Hiking Gear': ((228, 238, 240), (70, 110, 120), (246, 246, 242)),
    'Kitchen': ((240, 236, 228), (70, 74, 80), (212, 112, 70)),
    'Pets': ((244, 236, 226), (160, 116, 80), (232, 200, 160)),
    'Sauna': ((246, 236, 226), (160, 104, 66), (214, 226, 236)),
    'Tableware': ((232, 238, 244), (244, 246, 248), (96, 132, 176)),
    'Textiles': ((242, 236, 226), (194, 132, 92), (110, 140, 120)),
    'Tops': ((228, 236, 246), (78, 110, 170), (240, 244, 250)),
    'Wholesale': ((236, 232, 226), (176, 140, 98), (120, 90, 60)),
    '': ((234, 236, 242), (96, 104, 150), (236, 200, 120)),
}


def _sock(d: Draw, s: Colour, a: Colour) -> None:
    d.rounded_rectangle((190, 70, 270, 230), 24, fill=s)
    d.rounded_rectangle((190, 180, 340, 270), 44, fill=s)
    d.rectangle((190, 70, 270, 100), fill=a)
    d.ellipse((300, 226, 344, 270), fill=a)


def _jacket(d: Draw, s: Colour, a: Colour) -> None:
    d.polygon([(180, 90), (300, 90), (350, 140), (330, 280), (150, 280), (130, 140)], fill=s)
    d.polygon([(130, 140), (100, 260), (130, 268), (160, 170)], fill=s)
    d.polygon([(350, 140), (380, 260), (350, 268), (320, 170)], fill=s)
    d.polygon([(210, 90), (240, 130), (270, 90)], fill=a)
    d.line((240, 130, 240, 280), fill=a, width=6)


def _mug(d: Draw, s: Colour, a: Colour) -> None:
    d.ellipse((290, 140, 360, 230), outline=s, width=18)
    d.rounded_rectangle((160, 100, 310, 270), 26, fill=s)
    d.rectangle((160, 130, 310, 150), fill=a)


def _beanie(d: Draw, s: Colour, a: Colour) -> None:
    d.pieslice((150, 100, 330, 300), 180, 360, fill=s)
    d.rounded_rectangle((140, 190, 340, 240), 16, fill=a)
    d.ellipse((215, 70, 265, 120), fill=a)


def _tent(d: Draw, s: Colour, a: Colour) -> None:
    d.polygon([(240, 80), (380, 280), (100, 280)], fill=s)
    d.polygon([(240, 170), (280, 280), (200, 280)], fill=a)
    d.line((240, 60, 240, 90), fill=s, width=6)


def _candle(d: Draw, s: Colour, a: Colour) -> None:
    d.rounded_rectangle((190, 150, 290, 290), 14, fill=s)
    d.line((240, 150, 240, 128), fill=(80, 70, 60), width=4)
    d.ellipse((222, 78, 258, 132), fill=a)


def _bottle(d: Draw, s: Colour, a: Colour) -> None:
    d.rounded_rectangle((200, 70, 280, 110), 10, fill=a)
    d.rounded_rectangle((180, 110, 300, 290), 30, fill=s)
    d.rounded_rectangle((200, 170, 280, 230), 10, fill=a)


def _boot(d: Draw, s: Colour, a: Colour) -> None:
    d.polygon([(170, 80), (260, 80), (260, 200), (350, 220), (360, 280), (160, 280)], fill=s)
    d.rectangle((160, 262, 360, 286), fill=a)
    for y in (110, 140, 170):
        d.line((180, y, 240, y), fill=a, width=5)


def _gift(d: Draw, s: Colour, a: Colour) -> None:
    d.rectangle((150, 150, 330, 290), fill=s)
    d.rectangle((140, 120, 340, 160), fill=s)
    d.rectangle((228, 120, 252, 290), fill=a)
    d.ellipse((196, 86, 240, 124), outline=a, width=8)
    d.ellipse((240, 86, 284, 124), outline=a, width=8)


def _mountains(d: Draw, s: Colour, a: Colour) -> None:
    d.polygon([(90, 290), (210, 110), (330, 290)], fill=s)
    d.polygon([(220, 290), (310, 160), (400, 290)], fill=s)
    d.polygon([(183, 150), (210, 110), (237, 150), (222, 142), (210, 154), (198, 142)], fill=a)


def _pan(d: Draw, s: Colour, a: Colour) -> None:
    d.rounded_rectangle((290, 180, 400, 206), 12, fill=a)
    d.ellipse((100, 110, 300, 280), fill=s)
    d.ellipse((130, 135, 270, 255), outline=a, width=4)


def _paw(d: Draw, s: Colour, a: Colour) -> None:
    d.ellipse((180, 170, 300, 280), fill=s)
    for x, y in ((150, 120), (200, 85), (260, 85), (310, 120)):
        d.ellipse((x - 26 + 6, y, x + 26 + 6, y + 56), fill=s)


def _steam(d: Draw, s: Colour, a: Colour) -> None:
    d.polygon([(160, 180), (320, 180), (300, 290), (180, 290)], fill=s)
    for x in (190, 240, 290):
        d.arc((x - 20, 80, x + 20, 130), 90, 270, fill=a, width=8)
        d.arc((x - 20, 120, x + 20, 170), 270, 90, fill=a, width=8)


def _plate(d: Draw, s: Colour, a: Colour) -> None:
    d.ellipse((120, 80, 360, 300), fill=s, outline=a, width=6)
    d.ellipse((170, 125, 310, 255), outline=a, width=4)


def _folded(d: Draw, s: Colour, a: Colour) -> None:
    for i, colour in enumerate((s, a, s)):
        top = 110 + i * 58
        d.rounded_rectangle((130, top, 350, top + 52), 18, fill=colour)


def _tee(d: Draw, s: Colour, a: Colour) -> None:
    d.polygon([(180, 90), (300, 90), (380, 140), (350, 185), (320, 168), (320, 290), (160, 290), (160, 168),
               (130, 185), (100, 140)], fill=s)
    d.pieslice((210, 70, 270, 120), 0, 180, fill=a)


def _boxes(d: Draw, s: Colour, a: Colour) -> None:
    for box in ((120, 190, 230, 290), (240, 190, 350, 290), (180, 90, 290, 190)):
        d.rectangle(box, fill=s, outline=a, width=5)
        middle = (box[0] + box[2]) // 2
        d.line((middle, box[1], middle, box[1] + 30), fill=a, width=5)


def _ring(d: Draw, s: Colour, a: Colour) -> None:
    d.ellipse((150, 100, 330, 280), fill=s)
    d.ellipse((200, 150, 280, 230), fill=a)


SHAPES: dict[str, Callable[[Draw, Colour, Colour], None]] = {
    'Socks': _sock, 'Jackets': _jacket, 'Drinkware': _mug, 'Accessories': _beanie, 'Camping': _tent,
    'Candles': _candle, 'Care': _bottle, 'Footwear': _boot, 'Gift Sets': _gift, 'Hiking Gear': _mountains,
    'Kitchen': _pan, 'Pets': _paw, 'Sauna': _steam, 'Tableware': _plate, 'Textiles': _folded, 'Tops': _tee,
    'Wholesale': _boxes,
}


def _tint(colour: Colour, amount: float) -> Colour:
    r, g, b = colour
    return (round(r + (255 - r) * amount), round(g + (255 - g) * amount), round(b + (255 - b) * amount))


@functools.cache
def _badge_font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=44)


def _light(colour: Colour) -> bool:
    r, g, b = colour
    return 0.3 * r + 0.59 * g + 0.11 * b > 190


def draw_picture(title: str, product_type: str) -> bytes:
    """One product's picture as PNG bytes: the type's colours and shape, and the title's initial."""
    background, shape, accent = PALETTES.get(product_type, PALETTES[''])
    stage = Image.new('RGB', STAGE, background)
    d = ImageDraw.Draw(stage)
    d.ellipse((90, 40, 390, 340), fill=_tint(shape, 0.72))
    SHAPES.get(product_type, _ring)(d, shape, accent)
    image = Image.new('RGB', SIZE, background)
    image.paste(stage, (0, (SIZE[1] - STAGE[1]) // 2))
    d = ImageDraw.Draw(image)
    initial = next((c.upper() for c in title if c.isalnum()), '?')
    badge = accent if _light(shape) else shape
    d.ellipse((372, 32, 448, 108), fill=badge)
    d.text((410, 70), initial, fill=_tint(badge, 0.9), font=_badge_font(), anchor='mm')
    out = io.BytesIO()
    image.save(out, format='PNG', compress_level=1)
    return out.getvalue()


def pictures_dir(uploads_dir: Path) -> Path:
    return uploads_dir / FOLDER


def save_pictures(directory: Path, products: list[tuple[str, str]]) -> list[str]:
    """Draw and save a picture for each (title, product type); return their URLs, in the same order. Blocking:
    run it in a worker thread."""
    directory.mkdir(parents=True, exist_ok=True)
    urls: list[str] = []
    for title, product_type in products:
        name = secrets.token_urlsafe(24) + '.png'
        temporary = directory / f'.{name}.tmp'
        temporary.write_bytes(draw_picture(title, product_type))
        os.replace(temporary, directory / name)
        urls.append(f'{PICTURES_URL}/{name}')
    return urls
