//! A decoder-only transformer (Llama and Qwen2 families) over quantized GGUF weights, written for
//! one thing candle's model zoo does not offer: keeping the key/value cache of the prompt prefix
//! that the next prompt shares. A help desk sends the same system prompt every turn, so only the
//! new part of each prompt is computed.

use candle_core::quantized::gguf_file::Content;
use candle_core::quantized::QMatMul;
use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::Embedding;
use candle_transformers::quantized_nn::RmsNorm;

/// How rotary position embeddings pair the dimensions of a head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RopeStyle {
    /// Pairs (2i, 2i+1): Llama as converted by llama.cpp.
    Interleaved,
    /// Pairs (i, i + d/2): Qwen2.
    Halves,
}

struct Attention {
    q: QMatMul,
    k: QMatMul,
    v: QMatMul,
    q_bias: Option<Tensor>,
    k_bias: Option<Tensor>,
    v_bias: Option<Tensor>,
    out: QMatMul,
    /// Keys and values of every position seen so far, shaped (1, kv_heads, positions, head_dim).
    cache: Option<(Tensor, Tensor)>,
}

struct Block {
    attention_norm: RmsNorm,
    attention: Attention,
    mlp_norm: RmsNorm,
    gate: QMatMul,
    up: QMatMul,
    down: QMatMul,
}

/// Model weights plus the key/value cache of the tokens processed so far.
pub(crate) struct Transformer {
    embedding: Embedding,
    blocks: Vec<Block>,
    norm: RmsNorm,
    output: QMatMul,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    rope: RopeStyle,
    cos: Tensor,
    sin: Tensor,
    /// Tokens whose keys and values are in the cache, in order.
    cached_tokens: Vec<u32>,
}

/// Reads `prefix.key` as an unsigned integer.
/// Most positions a model is run with (larger declared contexts are cut to this).
const MAX_CONTEXT: usize = 32_768;
/// Widest attention head supported (llama and qwen2 models use 64 or 128).
const MAX_HEAD_DIM: usize = 256;

fn meta_u32(content: &Content, key: &str) -> Result<usize> {
    match content.metadata.get(key) {
        Some(v) => Ok(v.to_u32()? as usize),
        None => candle_core::bail!("the file has no `{key}`"),
    }
}

impl Transformer {
    /// Builds the model from a GGUF file whose architecture prefix is `arch` (`llama`, `qwen2`).
    pub(crate) fn from_gguf<R: std::io::Read + std::io::Seek>(
        content: Content,
        reader: &mut R,
        arch: &str,
        rope: RopeStyle,
        device: &Device,
    ) -> Result<Self> {
        let heads = meta_u32(&content, &format!("{arch}.attention.head_count"))?;
        let kv_heads = meta_u32(&content, &format!("{arch}.attention.head_count_kv"))?;
        let layers = meta_u32(&content, &format!("{arch}.block_count"))?;
        let width = meta_u32(&content, &format!("{arch}.embedding_length"))?;
        // The rotary tables are sized by the context: a hostile file declaring billions of
        // positions would exhaust memory, and Aoun's prompts are a few hundred tokens.
        let context = meta_u32(&content, &format!("{arch}.context_length"))
            .unwrap_or(4096)
            .min(MAX_CONTEXT);
        let eps = content
            .metadata
            .get(&format!("{arch}.attention.layer_norm_rms_epsilon"))
            .map_or(Ok(1e-6), |v| v.to_f32())? as f64;
        let rope_base = content
            .metadata
            .get(&format!("{arch}.rope.freq_base"))
            .map_or(Ok(10_000.0), |v| v.to_f32())?;
        if heads == 0 || kv_heads == 0 || heads % kv_heads != 0 || width % heads != 0 {
            candle_core::bail!("inconsistent attention heads ({heads} heads, {kv_heads} key/value heads, width {width})");
        }
        let head_dim = width / heads;
        if head_dim % 2 != 0 || head_dim > MAX_HEAD_DIM {
            candle_core::bail!("unsupported attention head width {head_dim}");
        }
        // Each layer has nine weight tensors: the count bounds what the header may declare.
        if layers == 0 || layers.saturating_mul(9) > content.tensor_infos.len() {
            candle_core::bail!(
                "{layers} layers declared for {} tensors",
                content.tensor_infos.len()
            );
        }

        let load = |reader: &mut R, name: &str| content.tensor(reader, name, device);
        let embedding_weights = load(reader, "token_embd.weight")?;
        if embedding_weights.shape().dims2()?.1 != width {
            candle_core::bail!(
                "token embeddings of shape {:?} for a width of {width}",
                embedding_weights.shape()
            );
        }
        let embedding = Embedding::new(embedding_weights.dequantize(device)?, width);
        let output = match load(reader, "output.weight") {
            Ok(weights) => QMatMul::from_qtensor(weights)?,
            // Models with tied embeddings reuse the input embedding as the output projection.
            Err(_) => QMatMul::from_qtensor(embedding_weights)?,
        };
        let norm = RmsNorm::from_qtensor(load(reader, "output_norm.weight")?, eps)?;
        let mut blocks = Vec::with_capacity(layers);
        for i in 0..layers {
            let mut matrix = |part: &str| -> Result<QMatMul> {
                QMatMul::from_qtensor(load(reader, &format!("blk.{i}.{part}.weight"))?)
            };
            let (q, k, v, out) = (
                matrix("attn_q")?,
                matrix("attn_k")?,
                matrix("attn_v")?,
                matrix("attn_output")?,
            );
            let (gate, up, down) = (matrix("ffn_gate")?, matrix("ffn_up")?, matrix("ffn_down")?);
            let mut bias = |part: &str| -> Result<Option<Tensor>> {
                match load(reader, &format!("blk.{i}.{part}.bias")) {
                    Ok(b) => Ok(Some(b.dequantize(device)?)),
                    Err(_) => Ok(None),
                }
            };
            let (q_bias, k_bias, v_bias) = (bias("attn_q")?, bias("attn_k")?, bias("attn_v")?);
            let mut norm = |part: &str| -> Result<RmsNorm> {
                RmsNorm::from_qtensor(load(reader, &format!("blk.{i}.{part}.weight"))?, eps)
            };
            blocks.push(Block {
                attention_norm: norm("attn_norm")?,
                attention: Attention {
                    q,
                    k,
                    v,
                    q_bias,
                    k_bias,
                    v_bias,
                    out,
                    cache: None,
                },
                mlp_norm: norm("ffn_norm")?,
                gate,
                up,
                down,
            });
        }
        let (cos, sin) = rope_tables(head_dim, context, rope_base, device)?;
        Ok(Self {
            embedding,
            blocks,
            norm,
            output,
            heads,
            kv_heads,
            head_dim,
            rope,
            cos,
            sin,
            cached_tokens: Vec::new(),
        })
    }

    /// Most positions the model was trained for.
    pub(crate) fn context_length(&self) -> usize {
        self.cos.dim(0).unwrap_or(0)
    }

    /// Logits for the token that follows `tokens`, the whole sequence so far. Keys and values of
    /// the longest prefix shared with the previous call are reused; only the rest is computed.
    pub(crate) fn next_logits(&mut self, tokens: &[u32]) -> Result<Tensor> {
        if tokens.is_empty() {
            candle_core::bail!("no tokens to read");
        }
        // At least the last token is computed again, to get its logits.
        let shared = self.reusable(tokens);
        self.truncate_cache(shared)?;
        let new = &tokens[shared..];
        let logits = self.forward(new, shared)?;
        self.cached_tokens = tokens.to_vec();
        Ok(logits)
    }

    /// How many leading tokens of `tokens` already have cached keys and values.
    pub(crate) fn reusable(&self, tokens: &[u32]) -> usize {
        self.cached_tokens
            .iter()
            .zip(tokens)
            .take_while(|(a, b)| a == b)
            .count()
            .min(tokens.len().saturating_sub(1))
    }

    /// Forgets every cached key and value.
    pub(crate) fn clear(&mut self) {
        for block in &mut self.blocks {
            block.attention.cache = None;
        }
        self.cached_tokens.clear();
    }

    fn truncate_cache(&mut self, keep: usize) -> Result<()> {
        if keep == self.cached_tokens.len() {
            return Ok(());
        }
        if keep == 0 {
            self.clear();
            return Ok(());
        }
        for block in &mut self.blocks {
            if let Some((k, v)) = block.attention.cache.take() {
                block.attention.cache = Some((k.narrow(2, 0, keep)?, v.narrow(2, 0, keep)?));
            }
        }
        self.cached_tokens.truncate(keep);
        Ok(())
    }

    /// Runs `tokens` at positions `start..`, appending to the cache; returns the last logits.
    fn forward(&mut self, tokens: &[u32], start: usize) -> Result<Tensor> {
        let device = self.cos.device().clone();
        let count = tokens.len();
        if start + count > self.context_length() {
            candle_core::bail!(
                "the conversation needs {} positions; the model has {}",
                start + count,
                self.context_length()
            );
        }
        let input = Tensor::new(tokens, &device)?.unsqueeze(0)?;
        let mask = causal_mask(count, start, &device)?;
        let cos = self.cos.narrow(0, start, count)?;
        let sin = self.sin.narrow(0, start, count)?;
        let mut x = self.embedding.forward(&input)?;
        for block in &mut self.blocks {
            let attended = block.attention.forward(
                &block.attention_norm.forward(&x)?,
                mask.as_ref(),
                &cos,
                &sin,
                Shape {
                    heads: self.heads,
                    kv_heads: self.kv_heads,
                    head_dim: self.head_dim,
                    rope: self.rope,
                },
            )?;
            x = (x + attended)?;
            let normed = block.mlp_norm.forward(&x)?;
            let hidden = (candle_nn::ops::silu(&block.gate.forward(&normed)?)?
                * block.up.forward(&normed)?)?;
            x = (x + block.down.forward(&hidden)?)?;
        }
        let last = self.norm.forward(&x.narrow(1, count - 1, 1)?)?;
        self.output.forward(&last)?.squeeze(0)?.squeeze(0)
    }
}

#[derive(Clone, Copy)]
struct Shape {
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    rope: RopeStyle,
}

impl Attention {
    fn forward(
        &mut self,
        x: &Tensor,
        mask: Option<&Tensor>,
        cos: &Tensor,
        sin: &Tensor,
        shape: Shape,
    ) -> Result<Tensor> {
        let (batch, count, width) = x.dims3()?;
        let project = |m: &QMatMul, bias: &Option<Tensor>, heads: usize| -> Result<Tensor> {
            let mut y = m.forward(x)?;
            if let Some(b) = bias {
                y = y.broadcast_add(b)?;
            }
            y.reshape((batch, count, heads, shape.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let rotate = |t: &Tensor| match shape.rope {
            RopeStyle::Interleaved => candle_nn::rotary_emb::rope_i(t, cos, sin),
            RopeStyle::Halves => candle_nn::rotary_emb::rope(t, cos, sin),
        };
        let q = rotate(&project(&self.q, &self.q_bias, shape.heads)?)?;
        let k = rotate(&project(&self.k, &self.k_bias, shape.kv_heads)?)?;
        let v = project(&self.v, &self.v_bias, shape.kv_heads)?;
        let (k, v) = match self.cache.take() {
            Some((past_k, past_v)) => (
                Tensor::cat(&[&past_k, &k], 2)?,
                Tensor::cat(&[&past_v, &v], 2)?,
            ),
            None => (k, v),
        };
        self.cache = Some((k.clone(), v.clone()));

        let group = shape.heads / shape.kv_heads;
        let k = candle_transformers::utils::repeat_kv(k, group)?;
        let v = candle_transformers::utils::repeat_kv(v, group)?;
        let scores = (q.matmul(&k.t()?)? / (shape.head_dim as f64).sqrt())?;
        let scores = match mask {
            Some(m) => scores.broadcast_add(m)?,
            None => scores,
        };
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let y = weights.matmul(&v.contiguous()?)?;
        let y = y.transpose(1, 2)?.reshape((batch, count, width))?;
        self.out.forward(&y)
    }
}

/// Cosine and sine tables, one row per position, `head_dim / 2` columns.
fn rope_tables(
    head_dim: usize,
    positions: usize,
    base: f32,
    device: &Device,
) -> Result<(Tensor, Tensor)> {
    let inverse_frequencies: Vec<f32> = (0..head_dim / 2)
        .map(|i| 1.0 / base.powf(2.0 * i as f32 / head_dim as f32))
        .collect();
    let frequencies = Tensor::new(inverse_frequencies.as_slice(), device)?;
    let positions = Tensor::arange(0u32, positions as u32, device)?.to_dtype(DType::F32)?;
    let angles = positions
        .unsqueeze(1)?
        .broadcast_mul(&frequencies.unsqueeze(0)?)?;
    Ok((angles.cos()?, angles.sin()?))
}

/// Additive mask for `count` new tokens after `past` cached ones: each token sees the past and
/// itself, never a later token. `None` for a single token, which sees everything.
fn causal_mask(count: usize, past: usize, device: &Device) -> Result<Option<Tensor>> {
    if count == 1 {
        return Ok(None);
    }
    let values: Vec<f32> = (0..count)
        .flat_map(|row| {
            (0..past + count).map(move |col| {
                if col > past + row {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
        })
        .collect();
    Ok(Some(Tensor::from_vec(
        values,
        (count, past + count),
        device,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_lets_each_token_see_the_past_and_itself() {
        let mask = causal_mask(2, 3, &Device::Cpu).unwrap().unwrap();
        let rows: Vec<Vec<f32>> = mask.to_vec2().unwrap();
        assert_eq!(rows[0], [0.0, 0.0, 0.0, 0.0, f32::NEG_INFINITY]);
        assert_eq!(rows[1], [0.0; 5]);
        assert!(causal_mask(1, 7, &Device::Cpu).unwrap().is_none());
    }

    #[test]
    fn rope_tables_start_at_angle_zero() {
        let (cos, sin) = rope_tables(8, 4, 10_000.0, &Device::Cpu).unwrap();
        assert_eq!(cos.dims(), [4, 4]);
        let first: Vec<f32> = cos.get(0).unwrap().to_vec1().unwrap();
        assert_eq!(first, [1.0; 4]);
        let s: Vec<f32> = sin.get(1).unwrap().to_vec1().unwrap();
        assert!((s[0] - 1f32.sin()).abs() < 1e-6);
    }
}
