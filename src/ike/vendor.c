/* vtid's Vendor ID: see vendor.h. */
#include <string.h>

#include "ike/vendor.h"

/* printf vtid | sha256sum: d89afe5826585c44e603bec479086b83... */
const uint8_t ike_vtid_vid_prefix[IKE_VTID_VID_PREFIX_LEN] = {
	0xd8, 0x9a, 0xfe, 0x58, 0x26, 0x58, 0x5c, 0x44,
	0xe6, 0x03, 0xbe, 0xc4, 0x79, 0x08, 0x6b, 0x83,
};

void
ike_vendor_encode(struct ike_enc *e)
{
	uint8_t vid[IKE_VTID_VID_LEN];

	memcpy(vid, ike_vtid_vid_prefix, IKE_VTID_VID_PREFIX_LEN);
	vid[IKE_VTID_VID_PREFIX_LEN] = (uint8_t)(IKE_VTID_CROSSING_RULE >> 8);
	vid[IKE_VTID_VID_PREFIX_LEN + 1] = (uint8_t)IKE_VTID_CROSSING_RULE;
	ike_msg_encode_vendor(e, vid, sizeof(vid));
}

uint16_t
ike_vendor_vtid_rule(const struct ike_msg *m)
{
	const struct ike_pl_vendor *v;
	size_t i;

	for (i = 0; i < m->n_vendor; i++) {
		v = &m->vendor[i];
		if (v->inner || v->len != IKE_VTID_VID_LEN ||
		    memcmp(v->data, ike_vtid_vid_prefix,
		    IKE_VTID_VID_PREFIX_LEN) != 0)
			continue;
		return (uint16_t)(v->data[IKE_VTID_VID_PREFIX_LEN] << 8 |
		    v->data[IKE_VTID_VID_PREFIX_LEN + 1]);
	}
	return 0;
}
