/* IKEv2 wire constants (RFC 7296 and the IANA "IKEv2 Parameters" registry).
 * Names follow the RFC; the comment names the section that defines them. */
#ifndef VTID_IKE_IKEV2_H
#define VTID_IKE_IKEV2_H

#define IKE_PORT		500
#define IKE_NATT_PORT		4500
#define IKE_NON_ESP_MARKER_LEN	4	/* RFC 3948 2.2 */

#define IKE_HDR_LEN		28	/* RFC 7296 3.1 */
#define IKE_GENERIC_HDR_LEN	4	/* RFC 7296 3.2 */
#define IKE_SPI_LEN		8
#define IKE_VERSION_2		0x20	/* major 2, minor 0 */
#define IKE_NONCE_MIN		16	/* RFC 7296 3.9 */
#define IKE_NONCE_MAX		256
#define IKE_MSG_MAX		65535	/* the length field is 32 bits, UDP 16 */

/* Exchange types, RFC 7296 3.1 */
enum ike_exchange {
	IKE_SA_INIT		= 34,
	IKE_AUTH		= 35,
	CREATE_CHILD_SA		= 36,
	INFORMATIONAL		= 37,
};

/* Header flags, RFC 7296 3.1 */
enum ike_hdr_flag {
	IKE_FLAG_INITIATOR	= 0x08,
	IKE_FLAG_VERSION	= 0x10,
	IKE_FLAG_RESPONSE	= 0x20,
};

#define IKE_PAYLOAD_CRITICAL	0x80	/* RFC 7296 3.2 */

/* Payload types, RFC 7296 3.2, RFC 7383 2.5 */
enum ike_payload_type {
	IKE_PL_NONE		= 0,
	IKE_PL_SA		= 33,
	IKE_PL_KE		= 34,
	IKE_PL_IDi		= 35,
	IKE_PL_IDr		= 36,
	IKE_PL_CERT		= 37,
	IKE_PL_CERTREQ		= 38,
	IKE_PL_AUTH		= 39,
	IKE_PL_NONCE		= 40,
	IKE_PL_NOTIFY		= 41,
	IKE_PL_DELETE		= 42,
	IKE_PL_VENDOR		= 43,
	IKE_PL_TSi		= 44,
	IKE_PL_TSr		= 45,
	IKE_PL_SK		= 46,
	IKE_PL_CP		= 47,
	IKE_PL_EAP		= 48,
	IKE_PL_SKF		= 53,
};

/* Protocol IDs, RFC 7296 3.3.1 */
enum ike_proto {
	IKE_PROTO_IKE		= 1,
	IKE_PROTO_AH		= 2,
	IKE_PROTO_ESP		= 3,
};

/* Transform types, RFC 7296 3.3.2 */
enum ike_transform_type {
	IKE_XFORM_ENCR		= 1,
	IKE_XFORM_PRF		= 2,
	IKE_XFORM_INTEG		= 3,
	IKE_XFORM_DH		= 4,
	IKE_XFORM_ESN		= 5,
};

/* Transform type 1: encryption algorithms */
enum ike_encr {
	ENCR_AES_CBC		= 12,	/* RFC 3602 */
	ENCR_AES_GCM_16		= 20,	/* RFC 4106 / RFC 5282 */
};

/* Transform type 2: pseudorandom functions, RFC 4868 */
enum ike_prf {
	PRF_HMAC_SHA2_256	= 5,
	PRF_HMAC_SHA2_384	= 6,
	PRF_HMAC_SHA2_512	= 7,
};

/* Transform type 3: integrity algorithms, RFC 4868 */
enum ike_integ {
	AUTH_NONE		= 0,
	AUTH_HMAC_SHA2_256_128	= 12,
	AUTH_HMAC_SHA2_384_192	= 13,
	AUTH_HMAC_SHA2_512_256	= 14,
};

/* Transform type 4: key exchange groups */
enum ike_dh_group {
	DH_NONE			= 0,
	MODP_2048		= 14,	/* RFC 3526 */
	ECP_256			= 19,	/* RFC 5903 */
	ECP_384			= 20,
	ECP_521			= 21,
	CURVE25519		= 31,	/* RFC 8031 */
};

/* Transform type 5: extended sequence numbers */
enum ike_esn {
	ESN_NONE		= 0,
	ESN_ENABLED		= 1,
};

/* Transform attribute, RFC 7296 3.3.5 */
#define IKE_ATTR_TV		0x8000
#define IKE_ATTR_KEY_LENGTH	14

/* ID types, RFC 7296 3.5 */
enum ike_id_type {
	ID_IPV4_ADDR		= 1,
	ID_FQDN			= 2,
	ID_RFC822_ADDR		= 3,
	ID_IPV6_ADDR		= 5,
	ID_DER_ASN1_DN		= 9,
	ID_DER_ASN1_GN		= 10,
	ID_KEY_ID		= 11,
};

/* Authentication methods, RFC 7296 3.8 */
enum ike_auth_method {
	AUTH_RSA_SIG		= 1,
	AUTH_SHARED_KEY_MIC	= 2,
	AUTH_DSS_SIG		= 3,
	AUTH_DIGITAL_SIG	= 14,	/* RFC 7427 */
};

/* CERT and CERTREQ encodings, RFC 7296 3.6. */
enum ike_cert_encoding {
	IKE_CERT_X509_SIG	= 4,	/* X.509 Certificate - Signature */
};

/* Traffic selector types, RFC 7296 3.13.1 */
enum ike_ts_type {
	TS_IPV4_ADDR_RANGE	= 7,
	TS_IPV6_ADDR_RANGE	= 8,
};

/* Notify message types, RFC 7296 3.10.1: errors below 16384 */
enum ike_notify {
	UNSUPPORTED_CRITICAL_PAYLOAD	= 1,
	INVALID_IKE_SPI			= 4,
	INVALID_MAJOR_VERSION		= 5,
	INVALID_SYNTAX			= 7,
	INVALID_MESSAGE_ID		= 9,
	INVALID_SPI			= 11,
	NO_PROPOSAL_CHOSEN		= 14,
	INVALID_KE_PAYLOAD		= 17,
	AUTHENTICATION_FAILED		= 24,
	SINGLE_PAIR_REQUIRED		= 34,
	NO_ADDITIONAL_SAS		= 35,
	INTERNAL_ADDRESS_FAILURE	= 36,
	FAILED_CP_REQUIRED		= 37,
	TS_UNACCEPTABLE			= 38,
	INVALID_SELECTORS		= 39,
	TEMPORARY_FAILURE		= 43,
	CHILD_SA_NOT_FOUND		= 44,

	IKE_NOTIFY_STATUS_MIN		= 16384,
	INITIAL_CONTACT			= 16384,
	SET_WINDOW_SIZE			= 16385,
	ADDITIONAL_TS_POSSIBLE		= 16386,
	IPCOMP_SUPPORTED		= 16387,
	NAT_DETECTION_SOURCE_IP		= 16388,
	NAT_DETECTION_DESTINATION_IP	= 16389,
	COOKIE				= 16390,
	USE_TRANSPORT_MODE		= 16391,
	HTTP_CERT_LOOKUP_SUPPORTED	= 16392,
	REKEY_SA			= 16393,
	ESP_TFC_PADDING_NOT_SUPPORTED	= 16394,
	NON_FIRST_FRAGMENTS_ALSO	= 16395,
	MOBIKE_SUPPORTED		= 16396,	/* RFC 4555 */
	MULTIPLE_AUTH_SUPPORTED		= 16404,	/* RFC 4739 */
	REDIRECT_SUPPORTED		= 16406,	/* RFC 5685 */
	IKEV2_FRAGMENTATION_SUPPORTED	= 16430,	/* RFC 7383 */
	SIGNATURE_HASH_ALGORITHMS	= 16431,	/* RFC 7427 */
};

#endif
