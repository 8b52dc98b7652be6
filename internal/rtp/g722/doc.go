// Package g722 decodes ITU-T G.722 (64 kbit/s, mode 1) to 16 kHz 16-bit PCM.
//
// G.722 splits 16 kHz audio into two sub-bands with a quadrature mirror filter (QMF) and codes
// each with ADPCM: the low band (0-4 kHz) with 6 bits per sample, the high band (4-8 kHz) with
// 2. One octet carries one codeword of each band (high band in the top two bits) and becomes
// two output samples. The decoder follows the recommendation's block structure (INVQAL/INVQBL,
// LOGSCL/SCALEL, the shared adaptive predictor of block 4, the receive QMF) in integer
// arithmetic, so its output is bit-exact with other implementations of the same structure.
//
// In RTP (RFC 3551, payload type 9) the clock runs at 8 kHz although the audio is 16 kHz: one
// timestamp tick is one octet is two samples.
package g722
