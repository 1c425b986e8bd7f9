# Byte-pair encoding of a list of ASCII strings, shared by the generators
# of compressed name tables (gen-ksyms.sh, gen-syscall-names.sh).
#
# In: nstr strings as codes, s[i, j] for j < len[i]; codes below 128 are
# characters. Out: the same arrays rewritten, and ntok pairs pa[k], pb[k]:
# code 128 + k stands for the two codes pa[k] pb[k], each a character or
# an earlier code, nested at most BPE_DEPTH deep (the decoders recurse).
# The most frequent pair of adjacent codes becomes the next code (ties to
# the lowest pair, so the output is the same everywhere), until the codes
# run out or no pair saves bytes: a pair costs 2 bytes in the table and
# saves 1 a use.
function bpe_strings_from(names, nstr,   i, j, c, ch) {
	for (c = 1; c < 128; c++)
		bpe_ord[sprintf("%c", c)] = c
	for (i = 0; i < nstr; i++) {
		len[i] = length(names[i])
		for (j = 0; j < len[i]; j++) {
			ch = substr(names[i], j + 1, 1)
			if (!(ch in bpe_ord)) {
				printf "bpe: %s is not ASCII\n", names[i] > "/dev/stderr"
				exit 1
			}
			s[i, j] = bpe_ord[ch]
		}
	}
}

function bpe_max(a, b) { return a > b ? a : b }

function bpe(nstr,   i, j, k, m, a, b, d, best, bestn, code, cnt, t, depth) {
	BPE_DEPTH = 12
	for (k = 0; k < 128; k++)
		depth[k] = 0
	ntok = 0
	while (ntok < 128) {
		split("", cnt)
		for (i = 0; i < nstr; i++)
			for (j = 0; j + 1 < len[i]; j++) {
				a = s[i, j]; b = s[i, j + 1]
				if (bpe_max(depth[a], depth[b]) < BPE_DEPTH)
					cnt[a * 256 + b]++
			}
		best = -1; bestn = 0
		for (k in cnt)
			if (cnt[k] > bestn || (cnt[k] == bestn && k + 0 < best)) {
				best = k + 0; bestn = cnt[k]
			}
		if (bestn <= 2)
			break
		a = int(best / 256); b = best % 256
		code = 128 + ntok
		pa[ntok] = a; pb[ntok] = b; ntok++
		depth[code] = bpe_max(depth[a], depth[b]) + 1
		for (i = 0; i < nstr; i++) {
			m = 0
			for (j = 0; j < len[i]; j++) {
				if (j + 1 < len[i] && s[i, j] == a && s[i, j + 1] == b) {
					t[m++] = code; j++
				} else {
					t[m++] = s[i, j]
				}
			}
			for (j = 0; j < m; j++)
				s[i, j] = t[j]
			len[i] = m
		}
	}
}
