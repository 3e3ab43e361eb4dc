"""Render the PWA's PNG icons from pwa/icons/icon.svg with the system Chromium.

Run after changing the SVG: .venv/bin/python tools/make_icons.py
The maskable icon fills the whole square with the background colour and
keeps the drawing inside the central 80 %, the safe zone launchers crop to.
"""

from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parent.parent / "pwa" / "icons"
BACKGROUND = "#1a5fb4"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def page_html(svg: str, size: int, maskable: bool) -> str:
    inner = round(size * 0.8) if maskable else size
    sized = svg.replace("<svg ", '<svg width="100%" height="100%" ', 1)
    background = BACKGROUND if maskable else "transparent"
    return (f"<html><body style='margin:0;background:{background};"
            f"width:{size}px;height:{size}px;display:flex;align-items:center;justify-content:center'>"
            f"<div style='width:{inner}px;height:{inner}px'>{sized}</div></body></html>")


def main() -> None:
    svg = (ICONS / "icon.svg").read_text()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                     ("icon-maskable-512.png", 512, True)):
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(page_html(svg, size, maskable))
            page.screenshot(path=str(ICONS / name), omit_background=not maskable)
            page.close()
            print(f"wrote {ICONS / name}")
        browser.close()


if __name__ == "__main__":
    main()
