//! The CTranslate2 -> ggml conversion on a tiny synthetic Whisper model, and the .npy/.npz and
//! tiktoken readers.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use aoun_models::{
    convert_ct2_whisper_to_ggml, inspect_ggml, parse_npy_f32, parse_tiktoken, read_npz_f32,
    Ct2Model, GgmlType, ModelError, GGML_MAGIC,
};

const S: usize = 8; // width
const HEADS: i16 = 2;
const MELS: usize = 4;
const VOCAB: usize = 10;
const ACTX: usize = 6;
const TCTX: usize = 5;
const LAYERS: usize = 2;

#[derive(Clone, Copy)]
enum Ty {
    F16,
    F32,
}

struct Var {
    name: String,
    dims: Vec<usize>,
    /// dtype code and bytes
    code: u8,
    bytes: Vec<u8>,
}

fn float_var(name: &str, dims: &[usize], ty: Ty, value: impl Fn(usize, usize) -> f32) -> Var {
    let rows = dims[0];
    let row_len: usize = dims[1..].iter().product();
    let mut bytes = Vec::new();
    for r in 0..rows {
        for c in 0..row_len {
            let v = value(r, c);
            match ty {
                Ty::F16 => bytes.extend_from_slice(&half::f16::from_f32(v).to_le_bytes()),
                Ty::F32 => bytes.extend_from_slice(&v.to_le_bytes()),
            }
        }
    }
    Var {
        name: name.into(),
        dims: dims.to_vec(),
        code: match ty {
            Ty::F16 => 4,
            Ty::F32 => 0,
        },
        bytes,
    }
}

/// Value pattern that is exact in f16: row index plus column / 64.
fn rc(r: usize, c: usize) -> f32 {
    r as f32 + (c % 64) as f32 / 64.0
}

fn generic(name: &str, dims: &[usize], ty: Ty) -> Var {
    let salt = name.len();
    float_var(name, dims, ty, |r, c| {
        ((r * 7 + c * 3 + salt) % 40) as f32 / 8.0
    })
}

fn layer_vars(vars: &mut Vec<Var>, prefix: &str, cross: bool, ty: Ty) {
    let sa = format!("{prefix}/self_attention");
    vars.push(float_var(
        &format!("{sa}/linear_0/weight"),
        &[3 * S, S],
        ty,
        rc,
    ));
    // Key bias rows (S..2S) are zero, as in real CTranslate2 Whisper models.
    vars.push(float_var(
        &format!("{sa}/linear_0/bias"),
        &[3 * S],
        ty,
        |r, _| {
            if (S..2 * S).contains(&r) {
                0.0
            } else {
                r as f32
            }
        },
    ));
    vars.push(generic(&format!("{sa}/linear_1/weight"), &[S, S], ty));
    vars.push(generic(&format!("{sa}/linear_1/bias"), &[S], ty));
    vars.push(generic(&format!("{sa}/layer_norm/gamma"), &[S], ty));
    vars.push(generic(&format!("{sa}/layer_norm/beta"), &[S], ty));
    if cross {
        let ca = format!("{prefix}/attention");
        vars.push(generic(&format!("{ca}/linear_0/weight"), &[S, S], ty));
        vars.push(generic(&format!("{ca}/linear_0/bias"), &[S], ty));
        vars.push(float_var(
            &format!("{ca}/linear_1/weight"),
            &[2 * S, S],
            ty,
            rc,
        ));
        vars.push(float_var(
            &format!("{ca}/linear_1/bias"),
            &[2 * S],
            ty,
            |r, _| {
                if r < S {
                    0.0
                } else {
                    r as f32
                }
            },
        ));
        vars.push(generic(&format!("{ca}/linear_2/weight"), &[S, S], ty));
        vars.push(generic(&format!("{ca}/linear_2/bias"), &[S], ty));
        vars.push(generic(&format!("{ca}/layer_norm/gamma"), &[S], ty));
        vars.push(generic(&format!("{ca}/layer_norm/beta"), &[S], ty));
    }
    let ffn = format!("{prefix}/ffn");
    vars.push(generic(&format!("{ffn}/linear_0/weight"), &[4 * S, S], ty));
    vars.push(generic(&format!("{ffn}/linear_0/bias"), &[4 * S], ty));
    vars.push(generic(&format!("{ffn}/linear_1/weight"), &[S, 4 * S], ty));
    vars.push(generic(&format!("{ffn}/linear_1/bias"), &[S], ty));
    vars.push(generic(&format!("{ffn}/layer_norm/gamma"), &[S], ty));
    vars.push(generic(&format!("{ffn}/layer_norm/beta"), &[S], ty));
}

fn scalar(name: &str, code: u8, bytes: &[u8]) -> Var {
    Var {
        name: name.into(),
        dims: vec![],
        code,
        bytes: bytes.to_vec(),
    }
}

fn synthetic_vars(ty: Ty) -> Vec<Var> {
    let mut v = vec![
        scalar("decoder/activation", 1, &[3]),
        scalar("decoder/alignment_layer", 2, &(-1i16).to_le_bytes()),
        float_var("decoder/embeddings/weight", &[VOCAB, S], ty, rc),
        generic("decoder/layer_norm/beta", &[S], ty),
        generic("decoder/layer_norm/gamma", &[S], ty),
        scalar("decoder/num_heads", 2, &HEADS.to_le_bytes()),
        float_var("decoder/position_encodings/encodings", &[TCTX, S], ty, rc),
        generic("encoder/conv1/bias", &[S], ty),
        generic("encoder/conv1/weight", &[S, MELS, 3], ty),
        generic("encoder/conv2/bias", &[S], ty),
        generic("encoder/conv2/weight", &[S, S, 3], ty),
        generic("encoder/layer_norm/beta", &[S], ty),
        generic("encoder/layer_norm/gamma", &[S], ty),
        scalar("encoder/num_heads", 2, &HEADS.to_le_bytes()),
        float_var("encoder/position_encodings/encodings", &[ACTX, S], ty, rc),
    ];
    for i in 0..LAYERS {
        layer_vars(&mut v, &format!("encoder/layer_{i}"), false, ty);
        layer_vars(&mut v, &format!("decoder/layer_{i}"), true, ty);
    }
    v
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let b = [s.as_bytes(), &[0]].concat();
    out.extend_from_slice(&(b.len() as u16).to_le_bytes());
    out.extend_from_slice(&b);
}

fn ct2_bytes(vars: &[Var]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&6u32.to_le_bytes());
    put_str(&mut out, "WhisperSpec");
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&(vars.len() as u32).to_le_bytes());
    for v in vars {
        put_str(&mut out, &v.name);
        out.push(v.dims.len() as u8);
        for d in &v.dims {
            out.extend_from_slice(&(*d as u32).to_le_bytes());
        }
        out.push(v.code);
        out.extend_from_slice(&(v.bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&v.bytes);
    }
    out.extend_from_slice(&1u32.to_le_bytes());
    put_str(&mut out, "decoder/projection/weight");
    put_str(&mut out, "decoder/embeddings/weight");
    out
}

fn npy_bytes(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_txt = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let fortran = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_txt}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn mel_values(n: usize) -> Vec<f32> {
    (0..n * 201).map(|i| i as f32 * 0.25).collect()
}

fn write_npz(path: &Path, arrays: &[(&str, Vec<u8>)]) -> anyhow::Result<()> {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path)?);
    for (name, bytes) in arrays {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(format!("{name}.npy"), opts)?;
        zip.write_all(bytes)?;
    }
    zip.finish()?;
    Ok(())
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Writes model.bin, tokenizer and mel filters of the tiny model into `dir`.
fn inputs(
    dir: &Path,
    ty: Ty,
) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf, std::path::PathBuf)> {
    let model = dir.join(match ty {
        Ty::F16 => "model16.bin",
        Ty::F32 => "model32.bin",
    });
    std::fs::write(&model, ct2_bytes(&synthetic_vars(ty)))?;
    let tik = dir.join("tiny.tiktoken");
    // Five tokens, one of them empty ("="), like the real multilingual.tiktoken's last line.
    std::fs::write(&tik, "IQ== 0\nIg== 1\nSGVsbG8= 2\n= 3\nIHdvcmxk 4\n")?;
    let npz = dir.join("mel_filters.npz");
    write_npz(
        &npz,
        &[
            (
                "mel_4",
                npy_bytes("<f4", false, &[MELS, 201], &f32_bytes(&mel_values(MELS))),
            ),
            (
                "mel_80",
                npy_bytes("<f4", false, &[80, 201], &f32_bytes(&mel_values(80))),
            ),
        ],
    )?;
    Ok((model, tik, npz))
}

fn expected_names() -> BTreeSet<String> {
    let mut n: BTreeSet<String> = [
        "encoder.positional_embedding",
        "encoder.conv1.weight",
        "encoder.conv1.bias",
        "encoder.conv2.weight",
        "encoder.conv2.bias",
        "encoder.ln_post.weight",
        "encoder.ln_post.bias",
        "decoder.positional_embedding",
        "decoder.token_embedding.weight",
        "decoder.ln.weight",
        "decoder.ln.bias",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let block = [
        "attn.query.weight",
        "attn.query.bias",
        "attn.key.weight",
        "attn.value.weight",
        "attn.value.bias",
        "attn.out.weight",
        "attn.out.bias",
        "attn_ln.weight",
        "attn_ln.bias",
        "mlp.0.weight",
        "mlp.0.bias",
        "mlp.2.weight",
        "mlp.2.bias",
        "mlp_ln.weight",
        "mlp_ln.bias",
    ];
    let cross = [
        "cross_attn.query.weight",
        "cross_attn.query.bias",
        "cross_attn.key.weight",
        "cross_attn.value.weight",
        "cross_attn.value.bias",
        "cross_attn.out.weight",
        "cross_attn.out.bias",
        "cross_attn_ln.weight",
        "cross_attn_ln.bias",
    ];
    for i in 0..LAYERS {
        for t in block {
            n.insert(format!("encoder.blocks.{i}.{t}"));
            n.insert(format!("decoder.blocks.{i}.{t}"));
        }
        for t in cross {
            n.insert(format!("decoder.blocks.{i}.{t}"));
        }
    }
    n
}

fn read_values(bytes: &[u8], offset: u64, count: usize, ty: GgmlType) -> Vec<f32> {
    let o = offset as usize;
    match ty {
        GgmlType::F32 => bytes[o..o + 4 * count]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        GgmlType::F16 => bytes[o..o + 2 * count]
            .chunks_exact(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
    }
}

#[test]
fn converts_tiny_model_to_ggml() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (model, tik, npz) = inputs(dir.path(), Ty::F16)?;
    let out = dir.path().join("ggml-tiny.bin");
    let hp = convert_ct2_whisper_to_ggml(&model, &tik, &npz, &out)?;
    let info = inspect_ggml(&out)?;
    assert_eq!(info.hparams, hp);
    let h = info.hparams;
    assert_eq!(
        [
            h.n_vocab,
            h.n_audio_ctx,
            h.n_audio_state,
            h.n_audio_head,
            h.n_audio_layer
        ],
        [
            VOCAB as i32,
            ACTX as i32,
            S as i32,
            HEADS as i32,
            LAYERS as i32
        ]
    );
    assert_eq!(
        [
            h.n_text_ctx,
            h.n_text_state,
            h.n_text_head,
            h.n_text_layer,
            h.n_mels,
            h.ftype
        ],
        [
            TCTX as i32,
            S as i32,
            HEADS as i32,
            LAYERS as i32,
            MELS as i32,
            1
        ]
    );
    let bytes = std::fs::read(&out)?;
    assert_eq!(
        u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        GGML_MAGIC
    );
    assert_eq!((info.n_mel, info.n_fft), (MELS, 201));
    assert_eq!(info.mel_filters, mel_values(MELS));
    // Five tokens from the file (one empty) plus the end-of-text token added for a small vocabulary.
    let toks: Vec<&[u8]> = info.tokens.iter().map(Vec::as_slice).collect();
    assert_eq!(
        toks,
        vec![&b"!"[..], b"\"", b"Hello", b"", b" world", b"<|endoftext|>"]
    );

    let names: BTreeSet<String> = info.tensors.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names.len(), info.tensors.len(), "duplicate tensor names");
    assert_eq!(names, expected_names());
    assert!(info.tensors.iter().all(|t| !t.name.ends_with("key.bias")));

    let t = |name: &str| {
        info.tensors
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("missing {name}"))
    };
    // Dimensions are innermost first; conv biases (n, 1); 1-D and positional tensors f32.
    assert_eq!(t("encoder.conv1.weight").dims, vec![3, MELS, S]);
    assert_eq!(t("encoder.conv1.weight").ty, GgmlType::F16);
    assert_eq!(t("encoder.conv1.bias").dims, vec![1, S]);
    assert_eq!(t("encoder.conv1.bias").ty, GgmlType::F32);
    assert_eq!(t("encoder.conv2.weight").dims, vec![3, S, S]);
    assert_eq!(t("encoder.positional_embedding").dims, vec![S, ACTX]);
    assert_eq!(t("encoder.positional_embedding").ty, GgmlType::F32);
    assert_eq!(t("decoder.positional_embedding").dims, vec![S, TCTX]);
    assert_eq!(t("decoder.token_embedding.weight").dims, vec![S, VOCAB]);
    assert_eq!(t("decoder.token_embedding.weight").ty, GgmlType::F16);
    assert_eq!(t("encoder.blocks.1.mlp.0.weight").dims, vec![S, 4 * S]);
    assert_eq!(t("encoder.blocks.1.mlp.2.weight").dims, vec![4 * S, S]);
    assert_eq!(t("encoder.blocks.0.attn_ln.weight").ty, GgmlType::F32);
    assert_eq!(t("decoder.blocks.1.cross_attn.key.weight").dims, vec![S, S]);

    // The fused q,k,v rows are split in order; values are row + column/64 of the fused matrix.
    for (part, first_row) in [("query", 0), ("key", S), ("value", 2 * S)] {
        for side in ["encoder", "decoder"] {
            let w = t(&format!("{side}.blocks.1.attn.{part}.weight"));
            assert_eq!(w.dims, vec![S, S]);
            let vals = read_values(&bytes, w.offset, S * S, w.ty);
            for r in 0..S {
                for c in 0..S {
                    assert_eq!(
                        vals[r * S + c],
                        rc(first_row + r, c),
                        "{side} {part} ({r},{c})"
                    );
                }
            }
        }
    }
    let qb = t("encoder.blocks.0.attn.query.bias");
    assert_eq!(
        read_values(&bytes, qb.offset, S, qb.ty),
        (0..S).map(|r| r as f32).collect::<Vec<_>>()
    );
    let vb = t("decoder.blocks.0.attn.value.bias");
    assert_eq!(
        read_values(&bytes, vb.offset, S, vb.ty),
        (2 * S..3 * S).map(|r| r as f32).collect::<Vec<_>>()
    );
    // Cross attention: linear_1 holds k then v.
    let ck = t("decoder.blocks.0.cross_attn.key.weight");
    assert_eq!(
        read_values(&bytes, ck.offset, S, ck.ty),
        (0..S).map(|c| rc(0, c)).collect::<Vec<_>>()
    );
    let cv = t("decoder.blocks.0.cross_attn.value.weight");
    assert_eq!(
        read_values(&bytes, cv.offset, S, cv.ty),
        (0..S).map(|c| rc(S, c)).collect::<Vec<_>>()
    );
    let cvb = t("decoder.blocks.0.cross_attn.value.bias");
    assert_eq!(
        read_values(&bytes, cvb.offset, S, cvb.ty),
        (S..2 * S).map(|r| r as f32).collect::<Vec<_>>()
    );
    let pe = t("encoder.positional_embedding");
    assert_eq!(
        read_values(&bytes, pe.offset, S * ACTX, pe.ty)[S + 3],
        rc(1, 3)
    );

    // The last tensor ends exactly at the end of the file.
    let last = info.tensors.last().expect("tensors");
    let n: usize = last.dims.iter().product();
    let width = if last.ty == GgmlType::F16 { 2 } else { 4 };
    assert_eq!(last.offset + (n * width) as u64, bytes.len() as u64);

    // Deterministic, and an f32 source gives the same file.
    let out2 = dir.path().join("again.bin");
    convert_ct2_whisper_to_ggml(&model, &tik, &npz, &out2)?;
    assert_eq!(std::fs::read(&out2)?, bytes);
    let (model32, _, _) = inputs(dir.path(), Ty::F32)?;
    let out3 = dir.path().join("from-f32.bin");
    convert_ct2_whisper_to_ggml(&model32, &tik, &npz, &out3)?;
    assert_eq!(std::fs::read(&out3)?, bytes);
    Ok(())
}

#[test]
fn ct2_reader_sees_scalars_and_aliases() -> anyhow::Result<()> {
    let bytes = ct2_bytes(&synthetic_vars(Ty::F16));
    let m = Ct2Model::from_bytes(bytes, Path::new("model.bin"))?;
    assert_eq!(
        (m.version, m.spec.as_str(), m.revision),
        (6, "WhisperSpec", 3)
    );
    assert_eq!(m.scalar_int("encoder/num_heads")?, 2);
    assert_eq!(m.scalar_int("decoder/alignment_layer")?, -1);
    assert_eq!(m.var("decoder/projection/weight")?.dims, vec![VOCAB, S]);
    Ok(())
}

#[test]
fn broken_inputs_give_clear_errors_and_no_output() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_, tik, npz) = inputs(dir.path(), Ty::F16)?;
    // A model without the decoder's cross attention output layer.
    let vars: Vec<Var> = synthetic_vars(Ty::F16)
        .into_iter()
        .filter(|v| v.name != "decoder/layer_1/attention/linear_2/weight")
        .collect();
    let model = dir.path().join("broken.bin");
    std::fs::write(&model, ct2_bytes(&vars))?;
    let out = dir.path().join("out.bin");
    let err = convert_ct2_whisper_to_ggml(&model, &tik, &npz, &out).expect_err("must fail");
    assert!(matches!(err, ModelError::Format { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("decoder/layer_1/attention/linear_2/weight"),
        "{err}"
    );
    assert!(!out.exists());
    // No half-written temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());

    // A truncated model.bin.
    let full = ct2_bytes(&synthetic_vars(Ty::F16));
    std::fs::write(&model, &full[..full.len() / 2])?;
    let err = Ct2Model::read(&model).expect_err("truncated");
    assert!(err.to_string().contains("ends early"), "{err}");
    Ok(())
}

#[test]
fn npz_and_npy_are_parsed_and_checked() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_, _, npz) = inputs(dir.path(), Ty::F16)?;
    let mel = read_npz_f32(&npz, "mel_80")?;
    assert_eq!(mel.shape, vec![80, 201]);
    assert_eq!(mel.data, mel_values(80));
    let err = read_npz_f32(&npz, "mel_128").expect_err("absent");
    assert!(err.to_string().contains("mel_128"), "{err}");

    let good = npy_bytes("<f4", false, &[3], &f32_bytes(&[1.0, 2.5, -3.0]));
    assert_eq!(
        parse_npy_f32(&good).map_err(anyhow::Error::msg)?.data,
        vec![1.0, 2.5, -3.0]
    );
    let f8 = npy_bytes("<f8", false, &[1], &1.0f64.to_le_bytes());
    assert!(parse_npy_f32(&f8).expect_err("f8").contains("<f4"));
    let fortran = npy_bytes("<f4", true, &[2, 2], &f32_bytes(&[0.0; 4]));
    assert!(parse_npy_f32(&fortran)
        .expect_err("fortran")
        .contains("Fortran"));
    let short = npy_bytes("<f4", false, &[2, 2], &f32_bytes(&[0.0; 3]));
    assert!(parse_npy_f32(&short).is_err());
    assert!(parse_npy_f32(b"not numpy").is_err());
    Ok(())
}

#[test]
fn tiktoken_is_parsed_in_rank_order() {
    let toks = parse_tiktoken("SGk= 1\nIQ== 0\n\n= 2\n").expect("valid");
    assert_eq!(toks, vec![b"!".to_vec(), b"Hi".to_vec(), Vec::new()]);
    assert!(parse_tiktoken("IQ== 0\nIg== 2\n").is_err());
    assert!(parse_tiktoken("!!! 0\n").is_err());
}
