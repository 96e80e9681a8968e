//! numpy arrays in: float32 or float64, C or Fortran order, or anything `numpy.asarray` takes
//! (lists, pandas DataFrames). A C-ordered array of the network's dtype is read in place; any
//! other is copied once into C order, converted to the network's dtype.

use crate::errors;
use backprop::Float;
use numpy::{Element, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;

/// A matrix of samples (`rows × cols`, row-major), borrowed from numpy or copied.
pub struct Rows<'py, F: Element> {
    borrowed: Option<PyReadonlyArrayDyn<'py, F>>,
    owned: Vec<F>,
    pub rows: usize,
    pub cols: usize,
}

impl<F: Float + Element> Rows<'_, F> {
    pub fn values(&self) -> &[F] {
        match &self.borrowed {
            Some(a) => a.as_slice().expect("checked contiguous"),
            None => &self.owned,
        }
    }

    pub fn into_vec(self) -> Vec<F> {
        match self.borrowed {
            Some(a) => a.as_slice().expect("checked contiguous").to_vec(),
            None => self.owned,
        }
    }
}

/// What an argument may be: a 2-D matrix, or also 1-D (one column, for targets).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Matrix,
    MatrixOrColumn,
}

/// Reads `obj` (named `name` in messages) as rows of `F`, refusing non-numbers, the wrong
/// number of dimensions, no rows, and NaN or infinite values.
pub fn rows<'py, F: Float + Element>(
    obj: &Bound<'py, PyAny>,
    name: &str,
    shape: Shape,
) -> PyResult<Rows<'py, F>> {
    let py = obj.py();
    let np = py.import("numpy")?;
    let array = if obj.is_instance(&np.getattr("ndarray")?)? {
        obj.clone()
    } else {
        np.call_method1("asarray", (obj,)).map_err(|e| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "{name}: expected an array of numbers (numpy array, list of rows, DataFrame), got {} ({e})",
                type_name(obj)
            ))
        })?
    };
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    let array = match kind.as_str() {
        "f" => {
            let size: usize = array.getattr("dtype")?.getattr("itemsize")?.extract()?;
            if size == 4 || size == 8 {
                array
            } else {
                array.call_method1("astype", ("float64",))?
            }
        }
        "b" | "i" | "u" => array.call_method1("astype", ("float64",))?,
        _ => {
            let dtype = array.getattr("dtype")?.str()?.to_string();
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{name}: expected numbers (float32 or float64), got an array of dtype {dtype}"
            )));
        }
    };
    let dims: Vec<usize> = array.getattr("shape")?.extract()?;
    let (rows, cols) = match (dims.as_slice(), shape) {
        ([r, c], _) => (*r, *c),
        ([r], Shape::MatrixOrColumn) => (*r, 1),
        _ => {
            let what = match shape {
                Shape::Matrix => "a 2-D array (samples × features)",
                Shape::MatrixOrColumn => "a 1-D or 2-D array (samples × outputs)",
            };
            return Err(errors::input(format!(
                "{name}: expected {what}, got {}-D of shape {dims:?}",
                dims.len()
            )));
        }
    };
    if rows == 0 || cols == 0 {
        return Err(errors::input(format!(
            "{name}: shape {dims:?} holds no values, expected at least one sample and one column"
        )));
    }
    let out = if let Ok(a) = array.downcast::<PyArrayDyn<F>>() {
        let a = a.readonly();
        if a.is_c_contiguous() {
            Rows {
                borrowed: Some(a),
                owned: Vec::new(),
                rows,
                cols,
            }
        } else {
            Rows {
                owned: a.as_array().iter().copied().collect(),
                borrowed: None,
                rows,
                cols,
            }
        }
    } else if let Ok(a) = array.downcast::<PyArrayDyn<f64>>() {
        let a = a.readonly();
        let owned = a.as_array().iter().map(|&v| F::from_f64(v)).collect();
        Rows {
            borrowed: None,
            owned,
            rows,
            cols,
        }
    } else {
        let a = array.downcast::<PyArrayDyn<f32>>()?.readonly();
        let owned = a
            .as_array()
            .iter()
            .map(|&v| F::from_f64(v as f64))
            .collect();
        Rows {
            borrowed: None,
            owned,
            rows,
            cols,
        }
    };
    if let Some(k) = out.values().iter().position(|v| !v.is_finite()) {
        return Err(errors::input(format!(
            "{name}: row {}, column {} is {}, expected a finite number",
            k / cols + 1,
            k % cols + 1,
            out.values()[k]
        )));
    }
    Ok(out)
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}
