//! Conversion of a CTranslate2 Whisper model into whisper.cpp's legacy ggml file, and a reader
//! that lists what a ggml file holds.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use base64::Engine as _;

use crate::ct2::{Ct2Dtype, Ct2Model, Ct2Var};
use crate::error::{IoContext, ModelError};
use crate::npy::{read_npz_f32, NpyArray};

/// Magic number at the start of a whisper.cpp ggml file ("ggml").
pub const GGML_MAGIC: u32 = 0x6767_6d6c;

/// Header of a whisper.cpp ggml file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhisperHparams {
    /// Vocabulary size (rows of the token embedding).
    pub n_vocab: i32,
    /// Encoder positions (1500 for 30 s).
    pub n_audio_ctx: i32,
    /// Encoder width.
    pub n_audio_state: i32,
    /// Encoder attention heads.
    pub n_audio_head: i32,
    /// Encoder layers.
    pub n_audio_layer: i32,
    /// Decoder positions (448).
    pub n_text_ctx: i32,
    /// Decoder width.
    pub n_text_state: i32,
    /// Decoder attention heads.
    pub n_text_head: i32,
    /// Decoder layers.
    pub n_text_layer: i32,
    /// Mel bands (80, or 128 for large-v3).
    pub n_mels: i32,
    /// Weight type of matrices (1 = f16).
    pub ftype: i32,
}

/// Element type of a ggml tensor in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GgmlType {
    /// 32-bit float (code 0).
    F32,
    /// Half float (code 1).
    F16,
}

impl GgmlType {
    fn code(self) -> i32 {
        match self {
            GgmlType::F32 => 0,
            GgmlType::F16 => 1,
        }
    }
    fn size(self) -> usize {
        match self {
            GgmlType::F32 => 4,
            GgmlType::F16 => 2,
        }
    }
}

/// One tensor listed by [`inspect_ggml`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgmlTensorInfo {
    /// OpenAI-style name (`encoder.blocks.0.attn.query.weight`).
    pub name: String,
    /// Dimensions, innermost first (as in the file).
    pub dims: Vec<usize>,
    /// Element type.
    pub ty: GgmlType,
    /// Byte offset of the data in the file.
    pub offset: u64,
}

/// Everything [`inspect_ggml`] reads from a ggml file.
#[derive(Debug, Clone, PartialEq)]
pub struct GgmlInfo {
    /// The header.
    pub hparams: WhisperHparams,
    /// Mel filter bank size: bands.
    pub n_mel: usize,
    /// Mel filter bank size: FFT bins.
    pub n_fft: usize,
    /// The mel filter values.
    pub mel_filters: Vec<f32>,
    /// The vocabulary (token bytes by id).
    pub tokens: Vec<Vec<u8>>,
    /// The tensors in file order.
    pub tensors: Vec<GgmlTensorInfo>,
    /// File size.
    pub size: u64,
}

const LENIENT_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
);

/// Parses a `.tiktoken` vocabulary (lines `base64 rank`) into token bytes ordered by rank.
pub fn parse_tiktoken(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut ranked = Vec::new();
    for (no, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(b64), Some(rank), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!("line {} is not `base64 rank`", no + 1));
        };
        // Like Python's b64decode: padding is optional (the file has a lone "=", an empty token).
        let bytes = LENIENT_BASE64
            .decode(b64.trim_end_matches('='))
            .map_err(|_| format!("line {} is not valid base64", no + 1))?;
        let rank: usize = rank
            .parse()
            .map_err(|_| format!("line {} has a bad rank", no + 1))?;
        ranked.push((rank, bytes));
    }
    ranked.sort_by_key(|(r, _)| *r);
    for (i, (r, _)) in ranked.iter().enumerate() {
        if *r != i {
            return Err(format!(
                "ranks are not 0..{} without gaps (rank {i} is missing)",
                ranked.len()
            ));
        }
    }
    Ok(ranked.into_iter().map(|(_, b)| b).collect())
}

/// Reads a `.tiktoken` vocabulary file.
pub fn read_tiktoken(path: &Path) -> Result<Vec<Vec<u8>>, ModelError> {
    let text = std::fs::read_to_string(path).ctx("read", path)?;
    parse_tiktoken(&text).map_err(|message| ModelError::Format {
        path: path.to_path_buf(),
        format: "tiktoken vocabulary",
        message,
    })
}

/// Converts a CTranslate2 Whisper `model.bin` (with the tokenizer and mel filters of the
/// openai-whisper package) into whisper.cpp's ggml file at `out`. The file appears at `out`
/// only once it is complete. The output is deterministic.
pub fn convert_ct2_whisper_to_ggml(
    model_bin: &Path,
    tiktoken: &Path,
    mel_filters_npz: &Path,
    out: &Path,
) -> Result<WhisperHparams, ModelError> {
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(crate::fetch::PARTIAL_PREFIX)
        .tempfile_in(&dir)
        .ctx("create a temporary file in", &dir)?;
    let mut w = BufWriter::new(tmp.as_file());
    let hp = convert_into(model_bin, tiktoken, mel_filters_npz, &mut w, out)?;
    w.flush().ctx("write", out)?;
    drop(w);
    tmp.as_file().sync_all().ctx("write", out)?;
    tmp.persist(out)
        .map_err(|e| ModelError::io("write", out, e.error))?;
    Ok(hp)
}

/// Converts into any writer; `out` only names the output in error messages.
pub(crate) fn convert_into(
    model_bin: &Path,
    tiktoken: &Path,
    mel_filters_npz: &Path,
    w: &mut dyn Write,
    out: &Path,
) -> Result<WhisperHparams, ModelError> {
    let model = Ct2Model::read(model_bin)?;
    let mut tokens = read_tiktoken(tiktoken)?;
    let hp = whisper_hparams(&model)?;
    if hp.n_vocab < 51865 && tokens.last().map(Vec::as_slice) != Some(b"<|endoftext|>") {
        // English-only models: gpt2.tiktoken does not list the end-of-text token.
        tokens.push(b"<|endoftext|>".to_vec());
    }
    if tokens.len() > hp.n_vocab as usize {
        return Err(ModelError::Format {
            path: tiktoken.to_path_buf(),
            format: "tiktoken vocabulary",
            message: format!(
                "it has {} tokens but the model only {}",
                tokens.len(),
                hp.n_vocab
            ),
        });
    }
    let mel_name = format!("mel_{}", hp.n_mels);
    let mel = read_npz_f32(mel_filters_npz, &mel_name)?;
    if mel.shape.len() != 2 || mel.shape[0] != hp.n_mels as usize || mel.shape[1] != 201 {
        return Err(ModelError::Format {
            path: mel_filters_npz.to_path_buf(),
            format: "NumPy .npz",
            message: format!(
                "array `{mel_name}` has shape {:?}, expected ({}, 201)",
                mel.shape, hp.n_mels
            ),
        });
    }
    write_whisper_ggml(&model, &hp, &tokens, &mel, w, out)?;
    Ok(hp)
}

fn dims_of<'a>(model: &'a Ct2Model, name: &str, rank: usize) -> Result<&'a [usize], ModelError> {
    let v = model.var(name)?;
    if v.dims.len() != rank {
        return Err(model.err(format!(
            "`{name}` has shape {:?}, expected rank {rank}",
            v.dims
        )));
    }
    Ok(&v.dims)
}

fn count_layers(model: &Ct2Model, side: &str) -> usize {
    let mut n = 0;
    while model
        .vars
        .range(format!("{side}/layer_{n}/")..)
        .next()
        .is_some_and(|(k, _)| k.starts_with(&format!("{side}/layer_{n}/")))
    {
        n += 1;
    }
    n
}

fn to_i32(model: &Ct2Model, what: &str, v: usize) -> Result<i32, ModelError> {
    i32::try_from(v).map_err(|_| model.err(format!("{what} {v} is too large")))
}

/// Derives the ggml header from the tensors of a CTranslate2 Whisper model.
pub fn whisper_hparams(model: &Ct2Model) -> Result<WhisperHparams, ModelError> {
    let tok = dims_of(model, "decoder/embeddings/weight", 2)?;
    let epos = dims_of(model, "encoder/position_encodings/encodings", 2)?;
    let dpos = dims_of(model, "decoder/position_encodings/encodings", 2)?;
    let conv1 = dims_of(model, "encoder/conv1/weight", 3)?;
    let n_audio_layer = count_layers(model, "encoder");
    let n_text_layer = count_layers(model, "decoder");
    if n_audio_layer == 0 || n_text_layer == 0 {
        return Err(model.err("it has no encoder or no decoder layers".into()));
    }
    let heads = |name: &str| -> Result<i32, ModelError> {
        let h = model.scalar_int(name)?;
        i32::try_from(h)
            .ok()
            .filter(|&h| h > 0)
            .ok_or_else(|| model.err(format!("`{name}` is {h}")))
    };
    let hp = WhisperHparams {
        n_vocab: to_i32(model, "vocabulary size", tok[0])?,
        n_audio_ctx: to_i32(model, "audio context", epos[0])?,
        n_audio_state: to_i32(model, "audio width", epos[1])?,
        n_audio_head: heads("encoder/num_heads")?,
        n_audio_layer: to_i32(model, "layer count", n_audio_layer)?,
        n_text_ctx: to_i32(model, "text context", dpos[0])?,
        n_text_state: to_i32(model, "text width", dpos[1])?,
        n_text_head: heads("decoder/num_heads")?,
        n_text_layer: to_i32(model, "layer count", n_text_layer)?,
        n_mels: to_i32(model, "mel band count", conv1[1])?,
        ftype: 1,
    };
    if tok[1] != dpos[1] || conv1[0] != epos[1] || conv1[2] != 3 {
        return Err(model.err(format!(
            "its shapes disagree (token embedding {tok:?}, decoder positions {dpos:?}, conv1 {conv1:?}, encoder positions {epos:?})"
        )));
    }
    if hp.n_audio_state % hp.n_audio_head != 0 || hp.n_text_state % hp.n_text_head != 0 {
        return Err(model.err("its widths are not a multiple of its head counts".into()));
    }
    Ok(hp)
}

/// Adds a tensor to the plan: name, source, source rows, shape, type.
type AddTensor<'a> = dyn FnMut(String, String, Option<(usize, usize)>, Vec<usize>, GgmlType) + 'a;

/// One tensor to write: where it comes from and how it is stored.
struct Plan {
    name: String,
    src: String,
    /// Rows `[start, start + count)` of the source's first dimension (for fused q,k,v).
    rows: Option<(usize, usize)>,
    /// Shape written (outermost first; reversed in the file).
    shape: Vec<usize>,
    ty: GgmlType,
}

fn plan_tensors(model: &Ct2Model, hp: &WhisperHparams) -> Result<Vec<Plan>, ModelError> {
    let mut plans = Vec::new();
    let a = hp.n_audio_state as usize;
    let t = hp.n_text_state as usize;
    let mels = hp.n_mels as usize;
    let mut add =
        |name: String, src: String, rows: Option<(usize, usize)>, shape: Vec<usize>, ty| {
            plans.push(Plan {
                name,
                src,
                rows,
                shape,
                ty,
            });
        };
    use GgmlType::{F16, F32};

    add(
        "encoder.positional_embedding".into(),
        "encoder/position_encodings/encodings".into(),
        None,
        vec![hp.n_audio_ctx as usize, a],
        F32,
    );
    add(
        "encoder.conv1.weight".into(),
        "encoder/conv1/weight".into(),
        None,
        vec![a, mels, 3],
        F16,
    );
    add(
        "encoder.conv1.bias".into(),
        "encoder/conv1/bias".into(),
        None,
        vec![a, 1],
        F32,
    );
    add(
        "encoder.conv2.weight".into(),
        "encoder/conv2/weight".into(),
        None,
        vec![a, a, 3],
        F16,
    );
    add(
        "encoder.conv2.bias".into(),
        "encoder/conv2/bias".into(),
        None,
        vec![a, 1],
        F32,
    );

    // Tensors shared by encoder and decoder blocks: attention (fused q,k,v), layer norms, MLP.
    let block = |add: &mut AddTensor<'_>, o: &str, c: &str, s: usize| {
        let sa = format!("{c}/self_attention");
        add(
            format!("{o}.attn.query.weight"),
            format!("{sa}/linear_0/weight"),
            Some((0, s)),
            vec![s, s],
            F16,
        );
        add(
            format!("{o}.attn.query.bias"),
            format!("{sa}/linear_0/bias"),
            Some((0, s)),
            vec![s],
            F32,
        );
        add(
            format!("{o}.attn.key.weight"),
            format!("{sa}/linear_0/weight"),
            Some((s, s)),
            vec![s, s],
            F16,
        );
        add(
            format!("{o}.attn.value.weight"),
            format!("{sa}/linear_0/weight"),
            Some((2 * s, s)),
            vec![s, s],
            F16,
        );
        add(
            format!("{o}.attn.value.bias"),
            format!("{sa}/linear_0/bias"),
            Some((2 * s, s)),
            vec![s],
            F32,
        );
        add(
            format!("{o}.attn.out.weight"),
            format!("{sa}/linear_1/weight"),
            None,
            vec![s, s],
            F16,
        );
        add(
            format!("{o}.attn.out.bias"),
            format!("{sa}/linear_1/bias"),
            None,
            vec![s],
            F32,
        );
        add(
            format!("{o}.attn_ln.weight"),
            format!("{sa}/layer_norm/gamma"),
            None,
            vec![s],
            F32,
        );
        add(
            format!("{o}.attn_ln.bias"),
            format!("{sa}/layer_norm/beta"),
            None,
            vec![s],
            F32,
        );
    };
    let mlp = |add: &mut AddTensor<'_>, o: &str, c: &str, s: usize| {
        add(
            format!("{o}.mlp.0.weight"),
            format!("{c}/ffn/linear_0/weight"),
            None,
            vec![4 * s, s],
            F16,
        );
        add(
            format!("{o}.mlp.0.bias"),
            format!("{c}/ffn/linear_0/bias"),
            None,
            vec![4 * s],
            F32,
        );
        add(
            format!("{o}.mlp.2.weight"),
            format!("{c}/ffn/linear_1/weight"),
            None,
            vec![s, 4 * s],
            F16,
        );
        add(
            format!("{o}.mlp.2.bias"),
            format!("{c}/ffn/linear_1/bias"),
            None,
            vec![s],
            F32,
        );
        add(
            format!("{o}.mlp_ln.weight"),
            format!("{c}/ffn/layer_norm/gamma"),
            None,
            vec![s],
            F32,
        );
        add(
            format!("{o}.mlp_ln.bias"),
            format!("{c}/ffn/layer_norm/beta"),
            None,
            vec![s],
            F32,
        );
    };
    for i in 0..hp.n_audio_layer as usize {
        let (o, c) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
        block(&mut add, &o, &c, a);
        mlp(&mut add, &o, &c, a);
    }
    add(
        "encoder.ln_post.weight".into(),
        "encoder/layer_norm/gamma".into(),
        None,
        vec![a],
        F32,
    );
    add(
        "encoder.ln_post.bias".into(),
        "encoder/layer_norm/beta".into(),
        None,
        vec![a],
        F32,
    );

    add(
        "decoder.positional_embedding".into(),
        "decoder/position_encodings/encodings".into(),
        None,
        vec![hp.n_text_ctx as usize, t],
        F32,
    );
    add(
        "decoder.token_embedding.weight".into(),
        "decoder/embeddings/weight".into(),
        None,
        vec![hp.n_vocab as usize, t],
        F16,
    );
    for i in 0..hp.n_text_layer as usize {
        let (o, c) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
        block(&mut add, &o, &c, t);
        let ca = format!("{c}/attention");
        add(
            format!("{o}.cross_attn.query.weight"),
            format!("{ca}/linear_0/weight"),
            None,
            vec![t, t],
            F16,
        );
        add(
            format!("{o}.cross_attn.query.bias"),
            format!("{ca}/linear_0/bias"),
            None,
            vec![t],
            F32,
        );
        add(
            format!("{o}.cross_attn.key.weight"),
            format!("{ca}/linear_1/weight"),
            Some((0, t)),
            vec![t, t],
            F16,
        );
        add(
            format!("{o}.cross_attn.value.weight"),
            format!("{ca}/linear_1/weight"),
            Some((t, t)),
            vec![t, t],
            F16,
        );
        add(
            format!("{o}.cross_attn.value.bias"),
            format!("{ca}/linear_1/bias"),
            Some((t, t)),
            vec![t],
            F32,
        );
        add(
            format!("{o}.cross_attn.out.weight"),
            format!("{ca}/linear_2/weight"),
            None,
            vec![t, t],
            F16,
        );
        add(
            format!("{o}.cross_attn.out.bias"),
            format!("{ca}/linear_2/bias"),
            None,
            vec![t],
            F32,
        );
        add(
            format!("{o}.cross_attn_ln.weight"),
            format!("{ca}/layer_norm/gamma"),
            None,
            vec![t],
            F32,
        );
        add(
            format!("{o}.cross_attn_ln.bias"),
            format!("{ca}/layer_norm/beta"),
            None,
            vec![t],
            F32,
        );
        mlp(&mut add, &o, &c, t);
    }
    add(
        "decoder.ln.weight".into(),
        "decoder/layer_norm/gamma".into(),
        None,
        vec![t],
        F32,
    );
    add(
        "decoder.ln.bias".into(),
        "decoder/layer_norm/beta".into(),
        None,
        vec![t],
        F32,
    );

    // Check every source exists with the shape the plan needs.
    for p in &plans {
        let v = model.var(&p.src)?;
        let fits = match p.rows {
            Some((start, count)) => {
                v.dims.len() == p.shape.len()
                    && start + count <= v.dims[0]
                    && count == p.shape[0]
                    && v.dims[1..] == p.shape[1..]
            }
            // Conv biases are 1-D in the source and written as (n, 1).
            None if p.shape.len() == 2 && p.shape[1] == 1 => v.dims == p.shape[..1],
            None => v.dims == p.shape,
        };
        if !fits {
            return Err(model.err(format!(
                "`{}` has shape {:?}, which does not give `{}` of shape {:?}",
                p.src, v.dims, p.name, p.shape
            )));
        }
    }
    Ok(plans)
}

fn put_i32(w: &mut dyn Write, v: i32) -> std::io::Result<()> {
    w.write_all(&v.to_le_bytes())
}

/// Writes the whole ggml file.
fn write_whisper_ggml(
    model: &Ct2Model,
    hp: &WhisperHparams,
    tokens: &[Vec<u8>],
    mel: &NpyArray,
    w: &mut dyn Write,
    out: &Path,
) -> Result<(), ModelError> {
    let plans = plan_tensors(model, hp)?;
    let io = |e: std::io::Error| ModelError::io("write", out, e);
    let mut head = Vec::with_capacity(64);
    head.extend_from_slice(&GGML_MAGIC.to_le_bytes());
    for v in [
        hp.n_vocab,
        hp.n_audio_ctx,
        hp.n_audio_state,
        hp.n_audio_head,
        hp.n_audio_layer,
        hp.n_text_ctx,
        hp.n_text_state,
        hp.n_text_head,
        hp.n_text_layer,
        hp.n_mels,
        hp.ftype,
    ] {
        head.extend_from_slice(&v.to_le_bytes());
    }
    w.write_all(&head).map_err(io)?;
    put_i32(w, mel.shape[0] as i32).map_err(io)?;
    put_i32(w, mel.shape[1] as i32).map_err(io)?;
    let mel_bytes: Vec<u8> = mel.data.iter().flat_map(|v| v.to_le_bytes()).collect();
    w.write_all(&mel_bytes).map_err(io)?;
    put_i32(w, tokens.len() as i32).map_err(io)?;
    for t in tokens {
        put_i32(w, t.len() as i32).map_err(io)?;
        w.write_all(t).map_err(io)?;
    }
    for p in &plans {
        let v = model.var(&p.src)?;
        if p.name.ends_with(".attn.value.bias") {
            warn_if_key_bias_nonzero(model, v, p);
        }
        put_i32(w, p.shape.len() as i32).map_err(io)?;
        put_i32(w, p.name.len() as i32).map_err(io)?;
        put_i32(w, p.ty.code()).map_err(io)?;
        for d in p.shape.iter().rev() {
            put_i32(w, *d as i32).map_err(io)?;
        }
        w.write_all(p.name.as_bytes()).map_err(io)?;
        write_data(model, v, p, w, out)?;
    }
    Ok(())
}

/// whisper.cpp has no key bias; CTranslate2 stores zeros there. Say so if that ever changes.
fn warn_if_key_bias_nonzero(model: &Ct2Model, v: &Ct2Var, p: &Plan) {
    let Some((start, s)) = p.rows else { return };
    let key_start = if start == 2 * s { s } else { 0 };
    if start != 2 * s && start != s {
        return;
    }
    let nonzero = elements_f32(model, v, key_start, s)
        .iter()
        .any(|x| *x != 0.0);
    if nonzero {
        tracing::warn!(tensor = %p.src, "key bias is not zero; whisper.cpp ignores it");
    }
}

fn elements_f32(model: &Ct2Model, v: &Ct2Var, row_start: usize, rows: usize) -> Vec<f32> {
    let row_len = v.elements() / v.dims.first().copied().unwrap_or(1).max(1);
    let es = v.dtype.size();
    let raw = model.raw(v);
    let from = (row_start * row_len * es).min(raw.len());
    let to = ((row_start + rows) * row_len * es).min(raw.len());
    decode(&raw[from..to], v.dtype)
}

fn decode(raw: &[u8], dtype: Ct2Dtype) -> Vec<f32> {
    match dtype {
        Ct2Dtype::F32 => raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Ct2Dtype::F16 => raw
            .chunks_exact(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        Ct2Dtype::Bf16 => raw
            .chunks_exact(2)
            .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        Ct2Dtype::I8 => raw.iter().map(|&b| f32::from(b as i8)).collect(),
        Ct2Dtype::I16 => raw
            .chunks_exact(2)
            .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])))
            .collect(),
        Ct2Dtype::I32 => raw
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)
            .collect(),
    }
}

fn write_data(
    model: &Ct2Model,
    v: &Ct2Var,
    p: &Plan,
    w: &mut dyn Write,
    out: &Path,
) -> Result<(), ModelError> {
    let io = |e: std::io::Error| ModelError::io("write", out, e);
    let rows_total = v.dims.first().copied().unwrap_or(1).max(1);
    let row_len = v.elements() / rows_total;
    let (start, count) = p.rows.unwrap_or((0, rows_total));
    let es = v.dtype.size();
    let raw = model.raw(v);
    let slice = &raw[start * row_len * es..(start + count) * row_len * es];
    match (v.dtype, p.ty) {
        (Ct2Dtype::F16, GgmlType::F16) | (Ct2Dtype::F32, GgmlType::F32) => {
            w.write_all(slice).map_err(io)
        }
        (Ct2Dtype::F16 | Ct2Dtype::F32 | Ct2Dtype::Bf16, ty) => {
            // Convert block by block to keep memory small.
            let block = 1 << 16;
            let mut out = Vec::with_capacity(block * ty.size());
            for chunk in slice.chunks(block * es) {
                out.clear();
                for x in decode(chunk, v.dtype) {
                    match ty {
                        GgmlType::F32 => out.extend_from_slice(&x.to_le_bytes()),
                        GgmlType::F16 => {
                            out.extend_from_slice(&half::f16::from_f32(x).to_le_bytes())
                        }
                    }
                }
                w.write_all(&out).map_err(io)?;
            }
            Ok(())
        }
        (dtype, _) => Err(model.err(format!(
            "`{}` holds {dtype:?} values, not floating point weights",
            p.src
        ))),
    }
}

struct Reader<R: Read> {
    r: R,
    pos: u64,
}

impl<R: Read> Reader<R> {
    fn bytes(&mut self, n: usize) -> std::io::Result<Vec<u8>> {
        let mut b = vec![0; n];
        self.r.read_exact(&mut b)?;
        self.pos += n as u64;
        Ok(b)
    }
    fn i32(&mut self) -> std::io::Result<i32> {
        let mut b = [0; 4];
        self.r.read_exact(&mut b)?;
        self.pos += 4;
        Ok(i32::from_le_bytes(b))
    }
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let got = std::io::copy(&mut (&mut self.r).take(n), &mut std::io::sink())?;
        self.pos += got;
        if got != n {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Reads the header, vocabulary and tensor list of a whisper.cpp ggml file (without loading weights).
pub fn inspect_ggml(path: &Path) -> Result<GgmlInfo, ModelError> {
    let size = std::fs::metadata(path).ctx("read", path)?.len();
    let file = File::open(path).ctx("open", path)?;
    let fmt = |message: String| ModelError::Format {
        path: path.to_path_buf(),
        format: "whisper.cpp ggml",
        message,
    };
    let mut r = Reader {
        r: std::io::BufReader::new(file),
        pos: 0,
    };
    let eof = |e: std::io::Error| fmt(format!("it ends early ({e})"));
    let magic = r.i32().map_err(eof)? as u32;
    if magic != GGML_MAGIC {
        return Err(fmt(format!("its magic is {magic:#x}, not {GGML_MAGIC:#x}")));
    }
    let mut h = [0i32; 11];
    for v in h.iter_mut() {
        *v = r.i32().map_err(eof)?;
    }
    let hparams = WhisperHparams {
        n_vocab: h[0],
        n_audio_ctx: h[1],
        n_audio_state: h[2],
        n_audio_head: h[3],
        n_audio_layer: h[4],
        n_text_ctx: h[5],
        n_text_state: h[6],
        n_text_head: h[7],
        n_text_layer: h[8],
        n_mels: h[9],
        ftype: h[10],
    };
    let count = |v: i32, what: &str| -> Result<usize, ModelError> {
        usize::try_from(v)
            .ok()
            .filter(|&n| (n as u64) <= size)
            .ok_or_else(|| fmt(format!("its {what} {v} is impossible")))
    };
    let n_mel = count(r.i32().map_err(eof)?, "mel band count")?;
    let n_fft = count(r.i32().map_err(eof)?, "FFT size")?;
    let mel_len = n_mel
        .checked_mul(n_fft)
        .filter(|&n| (n as u64) * 4 <= size)
        .ok_or_else(|| fmt("its mel filter bank is too large".into()))?;
    let mel_bytes = r.bytes(mel_len * 4).map_err(eof)?;
    let mel_filters = mel_bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let n_tokens = count(r.i32().map_err(eof)?, "token count")?;
    let mut tokens = Vec::with_capacity(n_tokens.min(1 << 20));
    for _ in 0..n_tokens {
        let len = count(r.i32().map_err(eof)?, "token length")?;
        tokens.push(r.bytes(len).map_err(eof)?);
    }
    let mut tensors = Vec::new();
    while r.pos < size {
        let n_dims = r.i32().map_err(eof)?;
        let name_len = count(r.i32().map_err(eof)?, "tensor name length")?;
        let ty = match r.i32().map_err(eof)? {
            0 => GgmlType::F32,
            1 => GgmlType::F16,
            t => return Err(fmt(format!("a tensor has unsupported type {t}"))),
        };
        if !(1..=4).contains(&n_dims) {
            return Err(fmt(format!("a tensor has {n_dims} dimensions")));
        }
        let mut dims = Vec::new();
        for _ in 0..n_dims {
            dims.push(count(r.i32().map_err(eof)?, "tensor dimension")?);
        }
        let name = String::from_utf8_lossy(&r.bytes(name_len).map_err(eof)?).into_owned();
        let n: u64 = dims.iter().map(|&d| d as u64).product::<u64>() * ty.size() as u64;
        let offset = r.pos;
        r.skip(n).map_err(eof)?;
        tensors.push(GgmlTensorInfo {
            name,
            dims,
            ty,
            offset,
        });
    }
    Ok(GgmlInfo {
        hparams,
        n_mel,
        n_fft,
        mel_filters,
        tokens,
        tensors,
        size,
    })
}
