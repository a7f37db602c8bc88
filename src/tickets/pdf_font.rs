//! The embedded fonts of the ticket PDF: DejaVu Sans (regular and bold), measured with
//! `ttf-parser`, subsetted with `subsetter` and written as Type0 / CIDFontType2 fonts with
//! Identity-H encoding, a `W` widths array and a ToUnicode CMap.
//!
//! Text is encoded glyph by glyph through the font's cmap (no shaping, no kerning). The CID
//! of a glyph is its id in the subset (CIDToGIDMap Identity). A character the font lacks is
//! drawn as glyph 0 (.notdef); its ToUnicode entry is U+FFFD and the caller wraps such text in
//! `/ActualText` so the real characters still come out of text extraction.

use std::collections::BTreeMap;
use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use super::pdf::PdfError;

const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");

/// A font of the document: the face, and the glyphs used so far (in subset order).
pub(super) struct Font {
    data: &'static [u8],
    face: Face<'static>,
    /// PostScript name, without the subset tag.
    name: &'static str,
    /// Old glyph id → new glyph id (= CID). Glyph 0 is always CID 0.
    glyphs: GlyphRemapper,
    /// CID → the text it stands for (first seen).
    unicode: BTreeMap<u16, String>,
}

impl Font {
    /// DejaVu Sans.
    pub(super) fn regular() -> Result<Self, PdfError> {
        Self::load(REGULAR, "DejaVuSans")
    }

    /// DejaVu Sans Bold.
    pub(super) fn bold() -> Result<Self, PdfError> {
        Self::load(BOLD, "DejaVuSans-Bold")
    }

    fn load(data: &'static [u8], name: &'static str) -> Result<Self, PdfError> {
        let face = Face::parse(data, 0).map_err(|e| PdfError::Font(format!("{name}: {e}")))?;
        let mut unicode = BTreeMap::new();
        unicode.insert(0, '\u{FFFD}'.to_string());
        Ok(Self {
            data,
            face,
            name,
            glyphs: GlyphRemapper::new(),
            unicode,
        })
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    fn units_to_pdf(&self, units: f32) -> f32 {
        units * 1000.0 / f32::from(self.face.units_per_em().max(1))
    }

    /// Advance width of `text` at `size` points.
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                f32::from(
                    self.face
                        .glyph_hor_advance(GlyphId(self.glyph(c)))
                        .unwrap_or(0),
                )
            })
            .sum();
        self.units_to_pdf(units) * size / 1000.0
    }

    /// Encodes `text` as 2-byte CIDs, registering the glyphs for the subset. The flag tells
    /// whether every character had a glyph.
    pub(super) fn encode(&mut self, text: &str) -> (Vec<u8>, bool) {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        let mut complete = true;
        for c in text.chars() {
            let gid = self.glyph(c);
            let cid = self.glyphs.remap(gid);
            if gid == 0 {
                complete = false;
            } else {
                self.unicode.entry(cid).or_insert_with(|| c.to_string());
            }
            bytes.extend_from_slice(&cid.to_be_bytes());
        }
        (bytes, complete)
    }

    /// Writes the Type0 font `id` and its descendants, allocating further ids from `next`.
    pub(super) fn write(&self, pdf: &mut Pdf, id: Ref, next: &mut Ref) -> Result<(), PdfError> {
        let (cid_id, descriptor_id, file_id, cmap_id) =
            (next.bump(), next.bump(), next.bump(), next.bump());
        let base_name = format!("{}+{}", self.subset_tag(), self.name);
        let base_name = Name(base_name.as_bytes());
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(id)
            .base_font(base_name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_id)
            .to_unicode(cmap_id);

        let widths: Vec<f32> = self
            .glyphs
            .remapped_gids()
            .map(|g| {
                self.units_to_pdf(f32::from(
                    self.face.glyph_hor_advance(GlyphId(g)).unwrap_or(0),
                ))
            })
            .collect();
        let mut cid = pdf.cid_font(cid_id);
        cid.subtype(CidFontType::Type2)
            .base_font(base_name)
            .system_info(info)
            .font_descriptor(descriptor_id)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();

        let face = &self.face;
        let bbox = face.global_bounding_box();
        let scale = |v: i16| self.units_to_pdf(f32::from(v));
        let weight = f32::from(face.weight().to_number());
        pdf.font_descriptor(descriptor_id)
            .name(base_name)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(face.italic_angle())
            .ascent(scale(face.ascender()))
            .descent(scale(face.descender()))
            .cap_height(scale(face.capital_height().unwrap_or(face.ascender())))
            .stem_v(10.0 + 0.244 * (weight - 50.0))
            .font_file2(file_id);

        let subset = subsetter::subset(self.data, 0, &self.glyphs)?;
        let length =
            i32::try_from(subset.len()).map_err(|_| PdfError::Font("subset too large".into()))?;
        pdf.stream(file_id, &deflate(&subset)?)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), length);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), info);
        for (cid, text) in &self.unicode {
            cmap.pair_with_multiple(*cid, text.chars());
        }
        pdf.cmap(cmap_id, &deflate(cmap.finish().as_slice())?)
            .filter(Filter::FlateDecode);
        Ok(())
    }

    /// Six capital letters derived from the glyph set, as the PDF spec asks of subsets.
    fn subset_tag(&self) -> String {
        let mut hash: u32 = 0x811c_9dc5;
        for g in self
            .glyphs
            .remapped_gids()
            .chain(self.name.bytes().map(u16::from))
        {
            hash = (hash ^ u32::from(g)).wrapping_mul(0x0100_0193);
        }
        (0..6)
            .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
            .collect()
    }
}

/// Zlib-compresses a stream (for `/Filter /FlateDecode`).
pub(super) fn deflate(data: &[u8]) -> Result<Vec<u8>, PdfError> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(data.len() / 2), Compression::best());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}
