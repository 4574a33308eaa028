//! Share ids: 12 characters from a 62-letter alphabet, drawn from the OS's random source
//! (about 71 bits), so ids cannot be guessed or enumerated.

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Length of every share id.
pub const ID_LEN: usize = 12;

/// A fresh random id.
pub fn new_id() -> String {
    let mut out = String::with_capacity(ID_LEN);
    let mut buf = [0u8; 32];
    while out.len() < ID_LEN {
        // The OS random source failing is not something a caller can handle.
        getrandom::fill(&mut buf).expect("the OS random source works");
        for b in buf {
            // Rejection sampling: 248 = 4 * 62 keeps every letter equally likely.
            if b < 248 && out.len() < ID_LEN {
                out.push(ALPHABET[usize::from(b % 62)] as char);
            }
        }
    }
    out
}

/// Whether `id` has the shape of a share id (checked before touching the database).
pub fn is_valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_well_formed_and_distinct() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| is_valid_id(id)));
        assert!(!is_valid_id("short"));
        assert!(!is_valid_id("../../etc/pa"));
        assert!(!is_valid_id("ééééééé"));
    }
}
