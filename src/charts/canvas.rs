//! Purpose: a small RGB raster with the few primitives the charts need: filled
//! rectangles, thick lines, dots and anti-aliased text from the shipped font.
//! Integer pixel arithmetic and a fixed rasteriser keep the output byte-identical
//! across runs.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

pub type Rgb = [u8; 3];

/// Where a text's anchor point sits relative to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Centre,
    Right,
}

pub struct Canvas<'f> {
    pub width: u32,
    pub height: u32,
    pixels: Vec<u8>,
    font: &'f FontRef<'f>,
}

impl<'f> Canvas<'f> {
    pub fn new(width: u32, height: u32, background: Rgb, font: &'f FontRef<'f>) -> Self {
        let pixels = background
            .iter()
            .copied()
            .cycle()
            .take((width * height * 3) as usize)
            .collect();
        Canvas {
            width,
            height,
            pixels,
            font,
        }
    }

    pub fn into_rgb(self) -> Vec<u8> {
        self.pixels
    }

    /// Blends `colour` into the pixel at (x, y) with coverage `alpha` (0–1).
    fn blend(&mut self, x: i32, y: i32, colour: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 || alpha <= 0.0 {
            return;
        }
        let a = alpha.min(1.0);
        let at = ((y as u32 * self.width + x as u32) * 3) as usize;
        for (c, value) in colour.iter().enumerate() {
            let old = f32::from(self.pixels[at + c]);
            self.pixels[at + c] = (old + (f32::from(*value) - old) * a).round() as u8;
        }
    }

    /// Fills the rectangle from (x0, y0) to (x1, y1), corners included, in any order.
    pub fn fill_rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, colour: Rgb) {
        let (left, right) = (x0.min(x1), x0.max(x1));
        let (top, bottom) = (y0.min(y1), y0.max(y1));
        for y in top..=bottom {
            for x in left..=right {
                self.blend(x, y, colour, 1.0);
            }
        }
    }

    /// A filled disc of radius `r`.
    pub fn dot(&mut self, cx: i32, cy: i32, r: i32, colour: Rgb) {
        for y in -r..=r {
            for x in -r..=r {
                if x * x + y * y <= r * r {
                    self.blend(cx + x, cy + y, colour, 1.0);
                }
            }
        }
    }

    /// A line `width` pixels thick, drawn as discs along it.
    pub fn line(&mut self, from: (i32, i32), to: (i32, i32), width: i32, colour: Rgb) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let steps = dx.abs().max(dy.abs()).max(1);
        let r = (width / 2).max(0);
        for s in 0..=steps {
            let x = from.0 + dx * s / steps;
            let y = from.1 + dy * s / steps;
            if r == 0 {
                self.blend(x, y, colour, 1.0);
            } else {
                self.dot(x, y, r, colour);
            }
        }
    }

    /// A dashed line: `on` pixels drawn, `off` skipped.
    pub fn dashed(&mut self, from: (i32, i32), to: (i32, i32), (on, off): (i32, i32), colour: Rgb) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let steps = dx.abs().max(dy.abs()).max(1);
        for s in 0..=steps {
            if s % (on + off) < on {
                self.blend(
                    from.0 + dx * s / steps,
                    from.1 + dy * s / steps,
                    colour,
                    1.0,
                );
            }
        }
    }

    /// The width of `text` at `size` pixels.
    pub fn text_width(&self, text: &str, size: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(size));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                width += scaled.kern(p, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// Draws `text` with its baseline at `y`, anchored at `x` by `align`.
    pub fn text(&mut self, text: &str, x: i32, y: i32, size: f32, colour: Rgb, align: Align) {
        let width = self.text_width(text, size);
        let start = match align {
            Align::Left => x as f32,
            Align::Centre => x as f32 - width / 2.0,
            Align::Right => x as f32 - width,
        };
        for (gx, gy, coverage) in self.glyph_coverage(text, size, start, y as f32) {
            self.blend(gx, gy, colour, coverage);
        }
    }

    /// Draws `text` turned a quarter anticlockwise (reading upwards), centred on
    /// (x, y_centre), with its baseline on the right at `x`.
    pub fn text_up(&mut self, text: &str, x: i32, y_centre: i32, size: f32, colour: Rgb) {
        let width = self.text_width(text, size);
        // Laid out horizontally from the origin, then turned: (u, v) → (x + v, y0 - u).
        for (u, v, coverage) in self.glyph_coverage(text, size, 0.0, 0.0) {
            let px = x + v;
            let py = y_centre + (width / 2.0) as i32 - u;
            self.blend(px, py, colour, coverage);
        }
    }

    /// Every covered pixel of `text` laid out from (x, baseline).
    fn glyph_coverage(&self, text: &str, size: f32, x: f32, baseline: f32) -> Vec<(i32, i32, f32)> {
        let scaled = self.font.as_scaled(PxScale::from(size));
        let mut caret = x;
        let mut previous = None;
        let mut covered = Vec::new();
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                caret += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(size), point(caret, baseline));
            caret += scaled.h_advance(id);
            previous = Some(id);
            if let Some(outlined) = self.font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, coverage| {
                    covered.push((
                        bounds.min.x as i32 + gx as i32,
                        bounds.min.y as i32 + gy as i32,
                        coverage,
                    ));
                });
            }
        }
        covered
    }
}
