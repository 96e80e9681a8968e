//! `--plot FILE.svg|FILE.png`: the loss curves, the validation accuracy (or RMSE), and for a
//! classifier the confusion matrix of the test set. Text is drawn with DejaVu Sans, built into
//! the binary (`data/fonts/`, with its licence), so a PNG looks the same on every machine.

use backprop::io::atomic::write_atomically;
use backprop::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

/// One epoch's figures.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    pub epoch: usize,
    pub train_loss: f64,
    pub val_loss: Option<f64>,
    /// Validation accuracy or RMSE.
    pub val_metric: Option<f64>,
}

/// What the picture shows.
pub struct Figure<'a> {
    pub history: &'a [Point],
    /// "accuracy" or "RMSE".
    pub metric: &'a str,
    /// The loss panel's caption ("loss", or "loss (standardised targets)").
    pub loss_caption: &'a str,
    /// Class names and `counts[actual][predicted]`, for a classifier.
    pub confusion: Option<(&'a [String], &'a [Vec<usize>])>,
    /// Which set the confusion matrix counts ("test set", "training set").
    pub confusion_of: &'a str,
}

const FONT: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");
const PANEL: (u32, u32) = (520, 440);
/// At most this many points per curve (longer runs are thinned evenly).
const MAX_POINTS: usize = 2000;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the built-in font is a valid TrueType file"));
    });
}

/// Checks that `path` names a picture type this can draw (before a long run, not after).
pub fn check_path(path: &Path) -> Result<()> {
    match extension(path).as_str() {
        "svg" | "png" => Ok(()),
        ext => Err(Error::Config(format!(
            "--plot {}: unknown picture type `{ext}`, expected a name ending in .svg or .png",
            path.display()
        ))),
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Draws the figure into `path` (SVG or PNG, by extension), written atomically.
pub fn save(path: &Path, figure: &Figure) -> Result<()> {
    register_font();
    let panels = 2 + figure.confusion.is_some() as u32;
    let size = (PANEL.0 * panels, PANEL.1);
    check_path(path)?;
    let ext = extension(path);
    let fail = |e: String| Error::Config(format!("--plot {}: {e}", path.display()));
    match ext.as_str() {
        "svg" => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                draw(&root, figure).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            write_atomically(path, text.as_bytes())
        }
        "png" => {
            let (w, h) = size;
            let mut rgb = vec![0u8; (w * h * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                draw(&root, figure).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            write_atomically(path, &png(&rgb, w, h))
        }
        _ => unreachable!("checked by check_path"),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &Figure,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2 + figure.confusion.is_some() as usize));
    let step = figure.history.len().div_ceil(MAX_POINTS).max(1);
    let points: Vec<&Point> = figure
        .history
        .iter()
        .enumerate()
        .filter(|(k, _)| k % step == 0 || k + 1 == figure.history.len())
        .map(|(_, p)| p)
        .collect();
    let first = points.first().map_or(1, |p| p.epoch) as f64;
    let last = (points.last().map_or(1, |p| p.epoch) as f64).max(first + 1.0);

    // Loss curves.
    let losses = points
        .iter()
        .flat_map(|p| std::iter::once(p.train_loss).chain(p.val_loss))
        .filter(|v| v.is_finite());
    let top = losses.fold(0.0f64, f64::max).max(1e-12) * 1.05;
    let mut chart = ChartBuilder::on(&panels[0])
        .caption(figure.loss_caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(first..last, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style(("sans-serif", 13))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            points.iter().map(|p| (p.epoch as f64, p.train_loss)),
            BLUE.stroke_width(2),
        ))?
        .label("training")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE.stroke_width(2)));
    if points.iter().any(|p| p.val_loss.is_some()) {
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .filter_map(|p| p.val_loss.map(|v| (p.epoch as f64, v))),
                RED.stroke_width(2),
            ))?
            .label("validation")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 14))
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;

    // Validation accuracy or RMSE.
    let values: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.val_metric.map(|v| (p.epoch as f64, v)))
        .collect();
    let (low, high) = if figure.metric == "accuracy" {
        let low = values.iter().map(|v| v.1).fold(1.0f64, f64::min);
        ((low - 0.05).max(0.0), 1.0)
    } else {
        let high = values.iter().map(|v| v.1).fold(0.0f64, f64::max);
        (0.0, high.max(1e-12) * 1.05)
    };
    let caption = format!("validation {}", figure.metric);
    let mut chart = ChartBuilder::on(&panels[1])
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(first..last, low..high)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style(("sans-serif", 13))
        .draw()?;
    if values.is_empty() {
        panels[1].draw(&Text::new(
            "no validation set",
            (PANEL.0 as i32 / 2 - 70, PANEL.1 as i32 / 2),
            ("sans-serif", 18),
        ))?;
    } else {
        chart.draw_series(LineSeries::new(values, GREEN.stroke_width(2)))?;
    }

    // Confusion matrix: rows are the actual classes, columns the predicted ones; the shade is
    // the share of the row's samples.
    if let Some((classes, counts)) = figure.confusion {
        let k = classes.len() as i32;
        let caption = format!("confusion matrix ({})", figure.confusion_of);
        // Row `a` (actual class) is drawn at y = k − 1 − a, so the first class is at the top.
        let mut chart = ChartBuilder::on(&panels[2])
            .caption(caption, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(90)
            .build_cartesian_2d((0..k - 1).into_segmented(), (0..k - 1).into_segmented())?;
        let name = |class: i32| -> String {
            let s = classes.get(class as usize).cloned().unwrap_or_default();
            s.chars().take(12).collect()
        };
        let centre = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(c) => Some(*c),
            _ => None,
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("predicted")
            .y_desc("actual")
            .x_labels(k as usize)
            .y_labels(k as usize)
            .x_label_formatter(&|v| centre(v).map_or(String::new(), name))
            .y_label_formatter(&|v| centre(v).map_or(String::new(), |c| name(k - 1 - c)))
            .label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 14))
            .draw()?;
        let font_size = if k > 6 { 12 } else { 18 };
        let centred = Pos::new(HPos::Center, VPos::Center);
        for (a, row) in counts.iter().enumerate() {
            let total = row.iter().sum::<usize>().max(1) as f64;
            let y = k - 1 - a as i32;
            for (p, &n) in row.iter().enumerate() {
                let x = p as i32;
                let share = n as f64 / total;
                let shade = 255 - (share * 200.0) as u8;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    RGBColor(shade, shade, 255).filled(),
                )))?;
                let colour = if share > 0.6 { WHITE } else { BLACK };
                chart.draw_series(std::iter::once(Text::new(
                    n.to_string(),
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    ("sans-serif", font_size)
                        .into_font()
                        .color(&colour)
                        .pos(centred),
                )))?;
            }
        }
    }
    Ok(())
}

/// A PNG file of an RGB image: the signature, IHDR, one IDAT (zlib, via flate2) and IEND.
fn png(rgb: &[u8], w: u32, h: u32) -> Vec<u8> {
    use std::io::Write;
    let mut raw = Vec::with_capacity(rgb.len() + h as usize);
    for row in rgb.chunks_exact(w as usize * 3) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&raw).expect("writing to memory");
    let idat = z.finish().expect("writing to memory");
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter, no interlace
    let mut out = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    for (kind, data) in [
        (b"IHDR", &ihdr[..]),
        (b"IDAT", &idat[..]),
        (b"IEND", &[][..]),
    ] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

/// CRC-32 (ISO 3309, polynomial 0xEDB88320), as PNG chunks need.
fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    c ^ 0xffff_ffff
}
