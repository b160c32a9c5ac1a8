//! The standard security handler's keys (ISO 32000-1, 7.6.3; ISO 32000-2, 7.6.4.3): the file
//! key the empty user password gives, and each object's key. hayro decrypts what the crate
//! reads but keeps its key to itself; an update of an encrypted file must encrypt its new
//! strings and streams with that key, so it is derived here again.

use md5::{Digest, Md5};

use super::syntax::{Dictionary, Object};

/// How strings and streams are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cipher {
    /// RC4 (revisions 2 to 4).
    Rc4,
    /// AES-128 in CBC mode (`AESV2`).
    Aes128,
    /// AES-256 in CBC mode (`AESV3`, revisions 5 and 6).
    Aes256,
}

/// The padding string of algorithm 2 (the empty password padded).
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

/// The file key of an encrypted document opened with the empty user password, how its
/// strings and streams are encrypted, and whether metadata streams are: `None` when the
/// handler's parameters are missing or the empty password is not the user password.
pub(crate) fn file_key(encrypt: &Dictionary, first_id: &[u8]) -> Option<(Vec<u8>, Cipher, bool)> {
    let int = |key: &[u8]| encrypt.get(key).and_then(Object::as_i64);
    let bytes = |key: &[u8]| encrypt.get(key).and_then(Object::as_str_bytes);
    let revision = int(b"R")?;
    let encrypt_metadata = !matches!(
        encrypt.get(b"EncryptMetadata".as_slice()),
        Some(Object::Bool(false))
    );
    let cipher = match revision {
        5 | 6 => Cipher::Aes256,
        4 => {
            let filter = encrypt
                .get(b"StmF".as_slice())
                .and_then(Object::as_name)
                .unwrap_or(b"Identity");
            let method = encrypt
                .get(b"CF".as_slice())
                .and_then(Object::as_dict)
                .and_then(|cf| cf.get(filter))
                .and_then(Object::as_dict)
                .and_then(|f| f.get(b"CFM".as_slice()))
                .and_then(Object::as_name);
            match method {
                Some(b"AESV2") => Cipher::Aes128,
                Some(b"AESV3") => Cipher::Aes256,
                Some(b"V2") => Cipher::Rc4,
                // An identity (or unknown) filter: an update could not match the file.
                _ => return None,
            }
        }
        2 | 3 => Cipher::Rc4,
        _ => return None,
    };
    let owner = bytes(b"O")?;
    let user = bytes(b"U")?;
    if cipher == Cipher::Aes256 && revision >= 5 {
        let key = aes256_file_key(revision, user, bytes(b"UE")?)?;
        return Some((key, cipher, encrypt_metadata));
    }
    let length = match (revision, int(b"Length")) {
        (2, _) => 5,
        (_, Some(bits)) if (40..=128).contains(&bits) => (bits / 8) as usize,
        (4, None) => 16,
        _ => 5,
    };
    let permissions = int(b"P").unwrap_or(0) as i32;
    let mut hash = Md5::new();
    hash.update(PAD);
    hash.update(owner.get(..32)?);
    hash.update(permissions.to_le_bytes());
    hash.update(first_id);
    if revision >= 4 && !encrypt_metadata {
        hash.update([0xFF; 4]);
    }
    let mut key = hash.finalize().to_vec();
    if revision >= 3 {
        for _ in 0..50 {
            key = Md5::digest(&key[..length]).to_vec();
        }
    }
    key.truncate(length);
    // Algorithms 4 and 5: the key must give the file's /U.
    let expected = if revision == 2 {
        rc4(&key, &PAD)
    } else {
        let mut hash = Md5::new();
        hash.update(PAD);
        hash.update(first_id);
        let mut value = rc4(&key, &hash.finalize());
        for round in 1..=19u8 {
            let round_key: Vec<u8> = key.iter().map(|b| b ^ round).collect();
            value = rc4(&round_key, &value);
        }
        value
    };
    let compared = if revision == 2 { 32 } else { 16 };
    (user.get(..compared)? == &expected[..compared]).then_some((key, cipher, encrypt_metadata))
}

/// Revisions 5 and 6 (AES-256): the file key the empty user password unwraps from `/UE`,
/// once the password is checked against `/U`.
fn aes256_file_key(revision: i64, user: &[u8], user_key: &[u8]) -> Option<Vec<u8>> {
    let (hash, validation_salt, key_salt) = (user.get(..32)?, user.get(32..40)?, user.get(40..48)?);
    let derive = |salt: &[u8]| -> [u8; 32] {
        if revision == 5 {
            sha2::Sha256::digest(salt).into()
        } else {
            hash_2b(salt)
        }
    };
    if derive(validation_salt) != hash {
        return None;
    }
    let intermediate = derive(key_salt);
    let wrapped = user_key.get(..32)?;
    let mut key = Vec::with_capacity(32);
    for block in wrapped.chunks_exact(16) {
        // CBC with a zero vector, no padding: the first block has nothing to chain with,
        // the second chains with the first ciphertext block.
        let mut plain = aes256_decrypt_block(&intermediate, block.try_into().ok()?);
        if key.len() == 16 {
            for (p, c) in plain.iter_mut().zip(&wrapped[..16]) {
                *p ^= c;
            }
        }
        key.extend_from_slice(&plain);
    }
    Some(key)
}

/// Algorithm 2.B of ISO 32000-2 for the empty password and no user key: rounds of AES-128
/// and SHA-2 over a SHA-256 start.
fn hash_2b(salt: &[u8]) -> [u8; 32] {
    let mut k: Vec<u8> = sha2::Sha256::digest(salt).to_vec();
    let mut round = 0usize;
    loop {
        let k1 = k.repeat(64);
        let key: [u8; 16] = k[..16].try_into().unwrap_or_default();
        let mut chain: [u8; 16] = k[16..32].try_into().unwrap_or_default();
        let mut e = Vec::with_capacity(k1.len());
        for chunk in k1.chunks_exact(16) {
            let mut block = [0u8; 16];
            for (slot, (a, b)) in block.iter_mut().zip(chunk.iter().zip(&chain)) {
                *slot = a ^ b;
            }
            chain = aes_encrypt_block(&key, block);
            e.extend_from_slice(&chain);
        }
        let sum: u32 = e[..16].iter().map(|b| u32::from(*b)).sum();
        k = match sum % 3 {
            0 => sha2::Sha256::digest(&e).to_vec(),
            1 => sha2::Sha384::digest(&e).to_vec(),
            _ => sha2::Sha512::digest(&e).to_vec(),
        };
        round += 1;
        let last = usize::from(*e.last().unwrap_or(&0));
        if round >= 64 && last + 32 <= round {
            break;
        }
    }
    k[..32].try_into().unwrap_or_default()
}

/// The key of object `id` (algorithm 1): for AES-256 the file key itself.
pub(crate) fn object_key(file_key: &[u8], id: (u32, u16), cipher: Cipher) -> Vec<u8> {
    if cipher == Cipher::Aes256 {
        return file_key.to_vec();
    }
    let mut hash = Md5::new();
    hash.update(file_key);
    hash.update(&id.0.to_le_bytes()[..3]);
    hash.update(id.1.to_le_bytes());
    if cipher == Cipher::Aes128 {
        hash.update(b"sAlT");
    }
    let digest = hash.finalize();
    digest[..(file_key.len() + 5).min(16)].to_vec()
}

/// RC4 of `data` under `key` (its own inverse).
pub(crate) fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut state: [u8; 256] = std::array::from_fn(|i| i as u8);
    if key.is_empty() {
        return data.to_vec();
    }
    let mut j = 0u8;
    for i in 0..256 {
        j = j.wrapping_add(state[i]).wrapping_add(key[i % key.len()]);
        state.swap(i, usize::from(j));
    }
    let (mut i, mut j) = (0u8, 0u8);
    data.iter()
        .map(|b| {
            i = i.wrapping_add(1);
            j = j.wrapping_add(state[usize::from(i)]);
            state.swap(usize::from(i), usize::from(j));
            let k = state[usize::from(state[usize::from(i)].wrapping_add(state[usize::from(j)]))];
            b ^ k
        })
        .collect()
}

/// One AES block encrypted with `key` (16 bytes: AES-128, 32: AES-256; another length
/// leaves the block as it is).
pub(crate) fn aes_encrypt_block(key: &[u8], block: [u8; 16]) -> [u8; 16] {
    use aes::cipher::{BlockCipherEncrypt, KeyInit};
    let mut data = block.into();
    if let Ok(cipher) = aes::Aes256::new_from_slice(key) {
        cipher.encrypt_block(&mut data);
    } else if let Ok(cipher) = aes::Aes128::new_from_slice(key) {
        cipher.encrypt_block(&mut data);
    }
    data.into()
}

fn aes256_decrypt_block(key: &[u8; 32], block: [u8; 16]) -> [u8; 16] {
    use aes::cipher::{BlockCipherDecrypt, KeyInit};
    let mut data = block.into();
    aes::Aes256::new(key.into()).decrypt_block(&mut data);
    data.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc4_matches_a_known_vector() {
        // The "Key"/"Plaintext" vector of RC4's descriptions.
        assert_eq!(
            rc4(b"Key", b"Plaintext"),
            [0xBB, 0xF3, 0x16, 0xE8, 0xD9, 0x40, 0xAF, 0x0A, 0xD3]
        );
        assert_eq!(rc4(b"Key", &rc4(b"Key", b"abc")), b"abc");
    }

    #[test]
    fn object_keys_follow_algorithm_1() {
        let key = object_key(&[1, 2, 3, 4, 5], (7, 0), Cipher::Rc4);
        assert_eq!(key.len(), 10);
        assert_eq!(object_key(&[9; 32], (7, 0), Cipher::Aes256), [9; 32]);
        assert_ne!(
            object_key(&[9; 16], (7, 0), Cipher::Aes128),
            object_key(&[9; 16], (7, 0), Cipher::Rc4)
        );
    }
}
