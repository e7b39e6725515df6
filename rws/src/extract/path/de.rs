//! A serde `Deserializer` over decoded path parameters: a single value, a sequence (tuples) or a
//! map (structs), each value parsed from its string with the parameter named on failure.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

type Param<'de> = (&'de str, Cow<'de, str>);

#[derive(Debug)]
pub(super) enum PathDeError {
    Parse {
        name: String,
        value: String,
        expected: Cow<'static, str>,
    },
    WrongCount {
        expected: usize,
        got: usize,
    },
    Unsupported(&'static str),
    Custom(String),
}

impl fmt::Display for PathDeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathDeError::Parse {
                name,
                value,
                expected,
            } => {
                write!(f, "parameter `{name}` must be {expected}, got {value:?}")
            }
            PathDeError::WrongCount { expected, got } => {
                write!(
                    f,
                    "the handler expects {expected} path parameter(s), the route has {got}"
                )
            }
            PathDeError::Unsupported(what) => {
                write!(f, "cannot deserialise {what} from a path parameter")
            }
            PathDeError::Custom(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for PathDeError {}

impl de::Error for PathDeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PathDeError::Custom(msg.to_string())
    }
}

pub(super) struct PathDeserializer<'a, 'de> {
    params: &'a [Param<'de>],
}

impl<'a, 'de> PathDeserializer<'a, 'de> {
    pub(super) fn new(params: &'a [Param<'de>]) -> Self {
        PathDeserializer { params }
    }

    fn single(&self) -> Result<ValueDe<'a, 'de>, PathDeError> {
        match self.params {
            [(name, value)] => Ok(ValueDe { name, value }),
            _ => Err(PathDeError::WrongCount {
                expected: 1,
                got: self.params.len(),
            }),
        }
    }
}

macro_rules! via_single {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for PathDeserializer<'_, 'de> {
    type Error = PathDeError;

    via_single!(
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string
    );

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        visitor.visit_seq(SeqDe {
            params: self.params.iter(),
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        if len != self.params.len() {
            return Err(PathDeError::WrongCount {
                expected: len,
                got: self.params.len(),
            });
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        visitor.visit_map(MapDe {
            params: self.params.iter(),
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, PathDeError> {
        Err(PathDeError::Unsupported("bytes"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, PathDeError> {
        Err(PathDeError::Unsupported("bytes"))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, PathDeError> {
        Err(PathDeError::Unsupported("an identifier"))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        visitor.visit_unit()
    }
}

/// One parameter's value.
struct ValueDe<'a, 'de> {
    name: &'a str,
    value: &'a Cow<'de, str>,
}

impl ValueDe<'_, '_> {
    fn parse<T: std::str::FromStr>(&self, expected: &'static str) -> Result<T, PathDeError> {
        self.value.parse().map_err(|_| PathDeError::Parse {
            name: self.name.to_owned(),
            value: self.value.to_string(),
            expected: Cow::Borrowed(expected),
        })
    }
}

macro_rules! parse_value {
    ($($method:ident => $visit:ident $ty:ty, $expected:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
            visitor.$visit(self.parse::<$ty>($expected)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDe<'_, 'de> {
    type Error = PathDeError;

    parse_value! {
        deserialize_bool => visit_bool bool, "`true` or `false`";
        deserialize_i8 => visit_i8 i8, "an integer (i8)";
        deserialize_i16 => visit_i16 i16, "an integer (i16)";
        deserialize_i32 => visit_i32 i32, "an integer (i32)";
        deserialize_i64 => visit_i64 i64, "an integer (i64)";
        deserialize_i128 => visit_i128 i128, "an integer (i128)";
        deserialize_u8 => visit_u8 u8, "a non-negative integer (u8)";
        deserialize_u16 => visit_u16 u16, "a non-negative integer (u16)";
        deserialize_u32 => visit_u32 u32, "a non-negative integer (u32)";
        deserialize_u64 => visit_u64 u64, "a non-negative integer (u64)";
        deserialize_u128 => visit_u128 u128, "a non-negative integer (u128)";
        deserialize_f32 => visit_f32 f32, "a number";
        deserialize_f64 => visit_f64 f64, "a number";
        deserialize_char => visit_char char, "a single character";
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        match self.value {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_str(s),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathDeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathDeError> {
        if !variants.contains(&&**self.value) {
            let expected = variants.join("`, `");
            return Err(PathDeError::Parse {
                name: self.name.to_owned(),
                value: self.value.to_string(),
                expected: Cow::Owned(format!("one of `{expected}`")),
            });
        }
        visitor.visit_enum(UnitVariant(self.value.to_string()))
    }

    forward_to_deserialize_any! {
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct UnitVariant(String);

impl<'de> de::EnumAccess<'de> for UnitVariant {
    type Error = PathDeError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), PathDeError> {
        let de: de::value::StringDeserializer<PathDeError> = self.0.clone().into_deserializer();
        Ok((seed.deserialize(de)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant {
    type Error = PathDeError;

    fn unit_variant(self) -> Result<(), PathDeError> {
        Ok(())
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _: S) -> Result<S::Value, PathDeError> {
        Err(PathDeError::Unsupported("an enum variant with data"))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, PathDeError> {
        Err(PathDeError::Unsupported("an enum variant with data"))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, PathDeError> {
        Err(PathDeError::Unsupported("an enum variant with data"))
    }
}

struct SeqDe<'a, 'de> {
    params: std::slice::Iter<'a, Param<'de>>,
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_, 'de> {
    type Error = PathDeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, PathDeError> {
        match self.params.next() {
            Some((name, value)) => seed.deserialize(ValueDe { name, value }).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.params.len())
    }
}

struct MapDe<'a, 'de> {
    params: std::slice::Iter<'a, Param<'de>>,
    value: Option<&'a Param<'de>>,
}

impl<'de> de::MapAccess<'de> for MapDe<'_, 'de> {
    type Error = PathDeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PathDeError> {
        match self.params.next() {
            Some(param) => {
                self.value = Some(param);
                let key: de::value::StrDeserializer<'_, PathDeError> = param.0.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, PathDeError> {
        let (name, value) = self
            .value
            .take()
            .ok_or_else(|| PathDeError::Custom("value requested before key".into()))?;
        seed.deserialize(ValueDe { name, value })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    fn de<T: de::DeserializeOwned>(params: &[(&str, &str)]) -> Result<T, PathDeError> {
        let params: Vec<Param<'_>> = params
            .iter()
            .map(|(k, v)| (*k, Cow::Borrowed(*v)))
            .collect();
        T::deserialize(PathDeserializer::new(&params))
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Ids {
        id: u64,
        slug: String,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Open,
        Closed,
    }

    #[test]
    fn single_values_tuples_structs_maps_and_enums() {
        assert_eq!(de::<u64>(&[("id", "42")]).unwrap(), 42);
        assert_eq!(de::<String>(&[("id", "x y")]).unwrap(), "x y");
        assert_eq!(
            de::<(u8, bool)>(&[("a", "7"), ("b", "true")]).unwrap(),
            (7, true)
        );
        assert_eq!(
            de::<Ids>(&[("id", "1"), ("slug", "hi")]).unwrap(),
            Ids {
                id: 1,
                slug: "hi".into()
            }
        );
        let map = de::<HashMap<String, String>>(&[("a", "1")]).unwrap();
        assert_eq!(map["a"], "1");
        assert_eq!(de::<Kind>(&[("k", "open")]).unwrap(), Kind::Open);
        assert_eq!(
            de::<Vec<u8>>(&[("a", "1"), ("b", "2")]).unwrap(),
            vec![1, 2]
        );
    }

    #[test]
    fn errors_name_the_parameter_or_the_mismatch() {
        let e = de::<u64>(&[("id", "abc")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"parameter `id` must be a non-negative integer (u64), got "abc""#
        );
        let e = de::<(u8, u8)>(&[("a", "1")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the handler expects 2 path parameter(s), the route has 1"
        );
        let e = de::<u8>(&[("a", "1"), ("b", "2")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the handler expects 1 path parameter(s), the route has 2"
        );
        let e = de::<Ids>(&[("id", "1")]).unwrap_err();
        assert_eq!(e.to_string(), "missing field `slug`");
        let e = de::<Kind>(&[("k", "merged")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"parameter `k` must be one of `open`, `closed`, got "merged""#
        );
    }
}
