"""Text contrast on the phone screens: WCAG 2 AA, 4.5:1, or 3:1 for large text."""

import uuid

import pytest

from genzong.server.db import transaction
from genzong.server.records import Batch
from genzong.server.state import open_data_dir
from genzong.server.timeutil import now_stamp

from .pwa_helpers import log_in

pytestmark = pytest.mark.browser

# Each visible text's colour against the background under it: the nearest
# opaque background colour, with translucent ones blended over it. Background
# images are not considered. Hidden, disabled (exempt in WCAG) and
# screen-reader-only text is left out.
LOW_CONTRAST = r"""() => {
    const parse = (css) => {
        const parts = css.match(/rgba?\(([^)]+)\)/)[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
        return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
    };
    const channel = (value) => {
        const v = value / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const over = (top, under) => ({
        r: top.r * top.a + under.r * (1 - top.a),
        g: top.g * top.a + under.g * (1 - top.a),
        b: top.b * top.a + under.b * (1 - top.a),
        a: 1,
    });
    const backgroundOf = (element) => {
        const layers = [];
        for (let node = element; node; node = node.parentElement) {
            const color = parse(getComputedStyle(node).backgroundColor);
            if (color.a === 0) continue;
            layers.push(color);
            if (color.a === 1) break;
        }
        return layers.reverse().reduce((under, layer) => over(layer, under), { r: 255, g: 255, b: 255, a: 1 });
    };

    const low = [];
    const checked = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        const element = text.parentElement;
        if (!text.textContent.trim() || checked.has(element)) continue;
        checked.add(element);
        const box = element.getBoundingClientRect();
        if (!box.width || !box.height) continue;
        if (element.closest('[hidden], [aria-hidden=true], :disabled, .toast')) continue;
        const style = getComputedStyle(element);
        if (style.visibility === 'hidden' || style.clipPath !== 'none') continue;

        const background = backgroundOf(element);
        const foreground = over(parse(style.color), background);
        const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
        const ratio = (light + 0.05) / (dark + 0.05);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
        const required = large ? 3 : 4.5;
        if (ratio < required) {
            low.push(`${element.className || element.tagName} "${text.textContent.trim().slice(0, 20)}" ${ratio.toFixed(2)}:1`);
        }
    }
    return low;
}"""


def seed_pool_customer(site, name: str, source: str) -> str:
    """Store a customer with no owner (in the public pool) as a server write; return its id."""
    record_id = str(uuid.uuid4())
    state = open_data_dir(site.data)
    try:
        conn = state.records.get()
        with transaction(conn):
            batch = Batch(conn, now_stamp(), None, "server")
            batch.server_write("customers", record_id, {"name": name, "source": source, "kind": "直接"})
            batch.flush()
    finally:
        state.close()
    return record_id


def test_pool_and_today_text_contrast(site, page):
    """All visible text on the pool and 今日 screens, the grey source chip included, reaches 4.5:1."""
    rep = site.add_user("sales", name="张伟")
    customer = seed_pool_customer(site, "周敏", "展会")
    log_in(page, rep)

    page.goto("/#/pool")
    page.wait_for_selector(f".pool-customer[data-id='{customer}'] .chip-neutral")
    assert page.evaluate(LOW_CONTRAST) == []

    page.goto("/#/today")
    page.wait_for_selector(".view-today h2")
    assert page.evaluate(LOW_CONTRAST) == []


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two computed 'rgb(r, g, b)' colours."""
    def luminance(css: str) -> float:
        channels = [int(part) / 255 for part in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted([luminance(first), luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_focus_ring_shows_on_top_bar(site, page):
    """The keyboard focus ring on the sync chip contrasts 3:1 or more with the blue top bar."""
    rep = site.add_user("sales", name="李娜")
    log_in(page, rep)

    page.focus("#sync-chip")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate("""() => {
        const style = getComputedStyle(document.activeElement);
        return { id: document.activeElement.id, style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor };
    }""")
    bar = page.evaluate("() => getComputedStyle(document.querySelector('.topbar')).backgroundColor")

    assert ring["id"] == "sync-chip"
    assert ring["style"] == "solid"
    assert ring["width"] >= 2
    assert contrast(ring["color"], bar) >= 3
