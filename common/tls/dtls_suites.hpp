#pragma once

// The DTLS 1.2 cipher suites of snbridge's listeners and its tools (docs/security.md "DTLS").

namespace snbridge::common::tls {

/// PSK suites: ECDHE ones first (forward secrecy), then what constrained devices implement
/// (CCM_8 is CoAP's mandatory suite, RFC 7252 §9.1.3.1).
inline constexpr const char* dtls_psk_suites =
    "ECDHE-PSK-CHACHA20-POLY1305:ECDHE-PSK-AES128-CBC-SHA256:PSK-AES128-CCM8:PSK-AES128-CCM:"
    "PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:PSK-CHACHA20-POLY1305:PSK-AES128-CBC-SHA256";

/// Certificate suites (ECDHE, AEAD).
inline constexpr const char* dtls_certificate_suites =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-AES128-CCM8:ECDHE-ECDSA-AES128-CCM";

} // namespace snbridge::common::tls
