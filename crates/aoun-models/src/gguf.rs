//! Requantizing a GGUF language model to Q8_0 at fetch time.
//!
//! The registry pack's SmolLM2 ships as Q4_1, a format candle has no SIMD kernel for; Q8_0 runs
//! two to five times faster on a CPU. Going from 4 to 8 bits loses nothing: every Q4_1 value is
//! exactly representable after dequantization, and Q8_0 keeps 8 bits per weight.

use std::io::{BufReader, Seek, Write};
use std::path::Path;

use candle_core::quantized::gguf_file::{self, Value};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::Device;

use crate::error::{IoContext, ModelError};

/// llama.cpp's `general.file_type` for "mostly Q8_0".
const FILE_TYPE_Q8_0: u32 = 7;

/// Low-bit block formats that are rewritten as Q8_0 (both have 32-value blocks).
fn is_low_bit(dtype: GgmlDType) -> bool {
    matches!(
        dtype,
        GgmlDType::Q4_0 | GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1
    )
}

/// Reads the GGUF at `input` and writes to `out` the same model with every Q4/Q5 tensor
/// requantized to Q8_0; other tensors and all metadata are copied unchanged (but the file type).
pub fn requantize_to_q8_0<W: Write + Seek>(input: &Path, out: &mut W) -> Result<(), ModelError> {
    let format_error = |message: String| ModelError::Format {
        path: input.to_path_buf(),
        format: "GGUF",
        message,
    };
    let file = std::fs::File::open(input).ctx("open", input)?;
    let mut reader = BufReader::new(file);
    let content = gguf_file::Content::read(&mut reader).map_err(|e| format_error(e.to_string()))?;
    let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(content.tensor_infos.len());
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    // Tensor order follows the source file, so the output is the same on every run.
    names.sort_by_key(|name| content.tensor_infos[*name].offset);
    for name in names {
        let tensor = content
            .tensor(&mut reader, name, &Device::Cpu)
            .map_err(|e| format_error(format!("tensor `{name}`: {e}")))?;
        let tensor = if is_low_bit(tensor.dtype()) {
            let values = tensor
                .dequantize(&Device::Cpu)
                .map_err(|e| format_error(format!("tensor `{name}`: {e}")))?;
            QTensor::quantize(&values, GgmlDType::Q8_0)
                .map_err(|e| format_error(format!("tensor `{name}`: {e}")))?
        } else {
            tensor
        };
        tensors.push((name.clone(), tensor));
    }
    let mut metadata: Vec<(&String, Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| {
            let value = if k == "general.file_type" {
                Value::U32(FILE_TYPE_Q8_0)
            } else {
                v.clone()
            };
            (k, value)
        })
        .collect();
    metadata.sort_by(|a, b| a.0.cmp(b.0));
    let metadata: Vec<(&str, &Value)> = metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    gguf_file::write(out, &metadata, &tensors).map_err(|e| format_error(e.to_string()))
}
