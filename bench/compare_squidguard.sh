#!/usr/bin/env bash
# Side-by-side run of esafe and squidGuard 1.6 (Debian) on the same lists and the same URL
# stream (issue 4): load time, throughput, peak memory and their ratios, then the share of
# a corpus of rewritten variants of listed URLs that each engine blocks, and the share of
# the content-proxy and mapped-address corpus (tests/integration/enforce/
# content_proxy_corpus.txt, issue 22) each blocks, with the near misses each blocks.
#
#   bench/compare_squidguard.sh BUILD_DIR        (BUILD_DIR holds the `esafe` binary)
#
# Lists: every UT1 category in $ESAFE_SHARED_DATA/ut1 (default ../shared/data beside the
# checkout) plus a synthetic category, to reach at least 1,000,000 domains and 100,000
# URLs. Everything runs as the calling user in a temporary directory, pinned to one core.
# Both engines read one URL a line from standard input and answer one line each: esafe
# through `esafe filter check` (JSON out), squidGuard in its Squid helper mode.
set -euo pipefail

build_dir=${1:?usage: $0 BUILD_DIR}
esafe=$(cd "$build_dir" && pwd)/esafe
here=$(cd "$(dirname "$0")" && pwd)
data_dir=${ESAFE_SHARED_DATA:-$here/../../shared/data}
stream_length=${STREAM_LENGTH:-200000}
cpu=${BENCH_CPU:-0}

[[ -x $esafe ]] || { echo "no esafe binary in $build_dir" >&2; exit 2; }
command -v squidGuard >/dev/null || { echo "squidGuard not installed (apt-get install squidguard)" >&2; exit 2; }
[[ -d $data_dir/ut1 ]] || { echo "no UT1 lists in $data_dir/ut1" >&2; exit 2; }

work=$(mktemp -d -t esafe-compare-XXXXXX)
[[ -n ${KEEP_WORK:-} ]] || trap 'rm -rf "$work"' EXIT
lists=$work/lists
mkdir -p "$lists" "$work/log"

now() { date +%s.%N; }
pinned() { taskset -c "$cpu" "$@"; }
# Runs a command pinned to the CPU; its peak RSS (KB) lands in $work/peak.
peak_run() { /usr/bin/time -f %M -o "$work/peak" taskset -c "$cpu" "$@"; }

echo "== preparing lists and stream in $work"
categories=()
for dir in "$data_dir"/ut1/*/; do
  name=$(basename "$dir")
  [[ -f $dir/domains || -f $dir/urls ]] || continue
  mkdir -p "$lists/$name"
  for file in domains urls; do
    [[ -f $dir/$file ]] && cp "$dir/$file" "$lists/$name/$file"
  done
  categories+=("$name")
done
categories+=(synthetic)

python3 - "$lists" "$work" "$stream_length" <<'PY'
import os, random, sys
lists, work, stream_length = sys.argv[1], sys.argv[2], int(sys.argv[3])
random.seed(42)
real_domains, real_urls = [], []
for category in sorted(os.listdir(lists)):
    for name, bucket in (("domains", real_domains), ("urls", real_urls)):
        path = os.path.join(lists, category, name)
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                bucket.extend(l.strip() for l in f if l.strip() and not l.startswith("#"))
tlds = ["com", "net", "org", "fr", "co.uk", "info", "xyz", "de"]
def name(i):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randint(5, 16))) + str(i % 997) + "." + random.choice(tlds)
os.makedirs(os.path.join(lists, "synthetic"), exist_ok=True)
synthetic_domains = [name(i) for i in range(max(0, 1_050_000 - len(real_domains)))]
synthetic_urls = [name(i + 7) + "/p%d/page" % i for i in range(max(0, 110_000 - len(real_urls)))]
with open(os.path.join(lists, "synthetic", "domains"), "w") as f:
    f.write("\n".join(synthetic_domains) + "\n")
with open(os.path.join(lists, "synthetic", "urls"), "w") as f:
    f.write("\n".join(synthetic_urls) + "\n")
domains = real_domains + synthetic_domains
urls = real_urls + synthetic_urls
stream = []
for i in range(stream_length):
    kind = i % 4
    if kind == 0:
        domain = random.choice(domains)
        prefix = "" if domain[-1].isdigit() else "www."  # no "www." in front of an IP address
        stream.append("http://%s%s/index.html?id=%d" % (prefix, domain, i))
    elif kind == 1:
        url = random.choice(urls).rstrip("/")
        stream.append("http://%s%s" % (url, "" if "?" in url else "/deeper"))
    else:
        stream.append("http://cdn%d.unlisted-site%d.org/assets/app.js?v=%d" % (i, random.randrange(5000), i))
random.shuffle(stream)
with open(os.path.join(work, "stream.txt"), "w") as f:
    f.write("\n".join(stream) + "\n")
with open(os.path.join(work, "stream.squid"), "w") as f:
    f.write("".join("%s 10.0.0.1/- - GET\n" % u for u in stream))
print("domains %d, urls %d, stream %d" % (len(domains), len(urls), len(stream)))
PY

block_list=$(IFS=,; echo "${categories[*]}")

write_squidguard_conf() {  # dbhome conf categories...
  local dbhome=$1 conf=$2; shift 2
  {
    echo "dbhome $dbhome"
    echo "logdir $work/log"
    local pass=""
    for c in "$@"; do
      echo "dest $c {"
      [[ -f $dbhome/$c/domains ]] && echo "  domainlist $c/domains"
      [[ -f $dbhome/$c/urls ]] && echo "  urllist $c/urls"
      echo "}"
      pass+=" !$c"
    done
    echo "acl {"
    echo "  default {"
    echo "    pass$pass all"
    echo "    redirect http://block.invalid/?c=%t"
    echo "  }"
    echo "}"
  } >"$conf"
}

echo "== squidGuard: building its databases (squidGuard -C all)"
write_squidguard_conf "$lists" "$work/squidguard.conf" "${categories[@]}"
start=$(now)
peak_run squidGuard -c "$work/squidguard.conf" -C all
sg_build_peak=$(cat "$work/peak")
sg_load=$(echo "$(now) - $start" | bc -l)

echo "== squidGuard: deciding the stream"
start=$(now)
peak_run squidGuard -c "$work/squidguard.conf" <"$work/stream.squid" >"$work/squidguard.out"
sg_peak=$(cat "$work/peak")
sg_run=$(echo "$(now) - $start" | bc -l)
sg_blocked=$(grep -c '^OK' "$work/squidguard.out" || true)
sg_lines=$(wc -l <"$work/squidguard.out")

echo "== esafe: loading the lists (empty stream)"
start=$(now)
pinned "$esafe" filter check --lists "$lists" --block "$block_list" </dev/null >/dev/null
esafe_load=$(echo "$(now) - $start" | bc -l)

echo "== esafe: deciding the stream"
start=$(now)
peak_run "$esafe" filter check --lists "$lists" --block "$block_list" <"$work/stream.txt" >"$work/esafe.out"
esafe_peak=$(cat "$work/peak")
esafe_run=$(echo "$(now) - $start" | bc -l)
esafe_blocked=$(grep -c '"action":"block"' "$work/esafe.out" || true)
esafe_lines=$(wc -l <"$work/esafe.out")

sg_rate=$(echo "$stream_length / ($sg_run)" | bc -l)
esafe_decide=$(echo "$esafe_run - $esafe_load" | bc -l)
esafe_rate=$(echo "$stream_length / ($esafe_decide)" | bc -l)

echo
echo "== canonicalisation variants: share blocked"
small=$work/small
mkdir -p "$small/adult"
printf '%s\n' blocked.example 192.0.2.10 '[2001:db8::1]' bücher.example >"$small/adult/domains"
printf '%s\n' listed.example/bad/path >"$small/adult/urls"
# Variants Squid could hand a helper (no raw spaces or line breaks inside a URL).
cat >"$work/variants.txt" <<'VARIANTS'
http://blocked.example/
HTTP://BLOCKED.EXAMPLE/
http://Blocked.Example/page
http://www.blocked.example/
http://a.b.c.blocked.example/x
http://%62locked.example/
http://blocked%2Eexample/
http://%62%6c%6f%63%6b%65%64.example/
http://%2562locked.example/
http://blocked%252Eexample/
http://blocked.example./
http://blocked.example.../
http://.blocked.example/
http://blocked..example/
http://blocked.example:80/
https://blocked.example:443/
http://blocked.example:8080/
blocked.example:443
http://ok.example@blocked.example/
http://user:pass@blocked.example/
http://ok.example%40blocked.example/
http://blocked.example/#frag
blocked.example/path
http:blocked.example
http:\\blocked.example\x
http://ｂｌｏｃｋｅｄ.example/
http://blocked。example/
http://listed.example/bad/path
http://listed.example/bad/path/more
http://listed.example/bad/path?x=1
http://listed.example/BAD/Path
http://listed.example/bad//path
http://listed.example/bad/./path
http://listed.example/good/../bad/path
http://listed.example%2Fbad%2Fpath
http://listed.example/bad/%70ath
http://listed.example/bad/%2570ath
http://www.listed.example/bad/path
http://listed.example./bad/path
http://listed.example\bad\path
http://192.0.2.10/
http://3221225994/
http://0xC000020A/
http://030000001012/
http://0300.0.02.012/
http://0xc0.0x0.0x2.0xa/
http://192.0.522/
http://192.522/
http://192.0.2.10./
http://%31%39%32.0.2.10/
http://[2001:db8::1]/
http://[2001:DB8::1]/
http://[2001:0db8:0000:0000:0000:0000:0000:0001]/
http://[2001:db8:0:0:0:0:0:1]/
http://bücher.example/
http://BÜCHER.example/
http://xn--bcher-kva.example/
http://b%C3%BCcher.example/
http://www.bücher.example/
VARIANTS
variant_count=$(grep -c . "$work/variants.txt")
mkdir -p "$work/smalldb"
cp -r "$small/adult" "$work/smalldb/"
write_squidguard_conf "$work/smalldb" "$work/small.conf" adult
squidGuard -c "$work/small.conf" -C all
awk '{ method = ($0 ~ /^[^\/]*:443$/) ? "CONNECT" : "GET"; print $0 " 10.0.0.1/- - " method }' "$work/variants.txt" |
  squidGuard -c "$work/small.conf" >"$work/variants.squidguard"
sg_variant_blocked=$(grep -c '^OK' "$work/variants.squidguard" || true)
"$esafe" filter check --lists "$small" --block adult <"$work/variants.txt" >"$work/variants.esafe"
esafe_variant_blocked=$(grep -c '"action":"block"' "$work/variants.esafe" || true)

# Content proxies and mapped addresses (issue 22): the project's corpus of blocked forms
# and near misses, decided by esafe with the shipped content-proxy file.
corpus=$here/../tests/integration/enforce/content_proxy_corpus.txt
proxy_lists=$work/proxylists
mkdir -p "$proxy_lists/adult" "$work/proxydb"
printf '%s\n' adult.test some-adult.test 127.0.0.10 >"$proxy_lists/adult/domains"
cp -r "$proxy_lists/adult" "$work/proxydb/"
write_squidguard_conf "$work/proxydb" "$work/proxy.conf" adult
squidGuard -c "$work/proxy.conf" -C all
grep -v '^#' "$corpus" | grep . >"$work/proxy.cases"
awk '{ print $2 }' "$work/proxy.cases" >"$work/proxy.urls"
awk '{ print $2 " 10.0.0.1/- - " ($1 ~ /^connect-/ ? "CONNECT" : "GET") }' "$work/proxy.cases" |
  squidGuard -c "$work/proxy.conf" >"$work/proxy.squidguard"
"$esafe" filter check --lists "$proxy_lists" --block adult --content-proxies "$here/../data/filter/content-proxies.yaml" \
  <"$work/proxy.urls" >"$work/proxy.esafe"
# Per line: expected (block/allow), esafe blocked (1/0), squidGuard blocked (1/0).
paste -d' ' <(awk '{ print ($1 ~ /block$/) ? "block" : "allow" }' "$work/proxy.cases") \
  <(awk '{ print (/"action":"block"/) ? 1 : 0 }' "$work/proxy.esafe") \
  <(awk '{ print (/^OK/) ? 1 : 0 }' "$work/proxy.squidguard") >"$work/proxy.scored"
proxy_forms=$(grep -c '^block' "$work/proxy.scored" || true)
proxy_misses=$(grep -c '^allow' "$work/proxy.scored" || true)
esafe_proxy_blocked=$(awk '$1 == "block" && $2 == 1' "$work/proxy.scored" | wc -l)
sg_proxy_blocked=$(awk '$1 == "block" && $3 == 1' "$work/proxy.scored" | wc -l)
esafe_proxy_false=$(awk '$1 == "allow" && $2 == 1' "$work/proxy.scored" | wc -l)
sg_proxy_false=$(awk '$1 == "allow" && $3 == 1' "$work/proxy.scored" | wc -l)

echo
printf '%-34s %16s %16s %10s\n' "" esafe squidGuard "ratio"
printf '%-34s %16.2f %16.2f %10.2f\n' "load time (s)" "$esafe_load" "$sg_load" "$(echo "$sg_load / $esafe_load" | bc -l)"
printf '%-34s %16.0f %16.0f %10.2f\n' "decisions/s (stream of $stream_length)" "$esafe_rate" "$sg_rate" \
  "$(echo "$esafe_rate / $sg_rate" | bc -l)"
printf '%-34s %16.0f %16.0f\n' "peak RSS deciding (MB)" "$(echo "$esafe_peak / 1024" | bc -l)" "$(echo "$sg_peak / 1024" | bc -l)"
printf '%-34s %16s %16s\n' "answers / blocked in stream" "$esafe_lines/$esafe_blocked" "$sg_lines/$sg_blocked"
printf '%-34s %15.1f%% %15.1f%%\n' "variants blocked (of $variant_count)" \
  "$(echo "100 * $esafe_variant_blocked / $variant_count" | bc -l)" "$(echo "100 * $sg_variant_blocked / $variant_count" | bc -l)"
printf '%-34s %15.1f%% %15.1f%%\n' "proxy forms blocked (of $proxy_forms)" \
  "$(echo "100 * $esafe_proxy_blocked / $proxy_forms" | bc -l)" "$(echo "100 * $sg_proxy_blocked / $proxy_forms" | bc -l)"
printf '%-34s %16s %16s\n' "proxy near misses blocked (of $proxy_misses)" "$esafe_proxy_false" "$sg_proxy_false"
echo "(squidGuard -C all peak RSS: $((sg_build_peak / 1024)) MB; esafe throughput excludes its load time,"
echo " measured separately; both end-to-end through standard input/output on CPU $cpu)"
if [[ $esafe_proxy_blocked -ne $proxy_forms || $esafe_proxy_false -ne 0 ]]; then
  echo "esafe missed content-proxy forms or blocked a near miss:" >&2
  paste -d' ' "$work/proxy.scored" "$work/proxy.urls" | awk '($1 == "block") != ($2 == 1)' >&2
  exit 1
fi
if [[ $esafe_variant_blocked -ne $variant_count ]]; then
  echo "esafe missed variants:" >&2
  grep -v '"action":"block"' "$work/variants.esafe" >&2
  exit 1
fi
