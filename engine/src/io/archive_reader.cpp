// SPDX-License-Identifier: MIT
// Archives (zip, tar, gz, bz2, xz, 7z) expanded in memory with libarchive.
// Nothing is written to disk. Limits in the style of ClamAV's: bytes per
// member, bytes per archive, member count and expansion ratio; a breach ends
// the member it happened in with a per-member error. Bytes, members and time
// are charged to the scanned file's ScanBudget, across all nesting.
#include <archive.h>
#include <archive_entry.h>

#include <cmath>
#include <memory>
#include <string>

#include "meshsentry/io.hpp"

namespace meshsentry {
namespace {

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string ratio_text(double r) {
  return "1:" + std::to_string(static_cast<long long>(std::ceil(r)));
}

// Every member of the archive; `raw_only` reads a compressed stream as one
// member whatever it holds.
Result<std::vector<ArchiveMember>> read_members(std::span<const std::byte> bytes, const ArchiveLimits& limits,
                                                ScanBudget& budget, bool compressed_stream, bool raw_only,
                                                const MemberFilter& wanted) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  if (!a) return make_error(ErrorCode::io, "archive: out of memory");
  archive_read_support_filter_all(a.get());
  // Every archive format but mtree, whose reader takes any text for a file
  // list: a gzipped changelog would be an archive that fails to parse.
  if (!raw_only)
    for (auto support : {archive_read_support_format_7zip, archive_read_support_format_ar, archive_read_support_format_cab,
                         archive_read_support_format_cpio, archive_read_support_format_iso9660,
                         archive_read_support_format_lha, archive_read_support_format_rar, archive_read_support_format_rar5,
                         archive_read_support_format_tar, archive_read_support_format_warc, archive_read_support_format_xar,
                         archive_read_support_format_zip})
      support(a.get());
  if (compressed_stream) archive_read_support_format_raw(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return make_error(ErrorCode::format, std::string("archive: ") + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "unreadable"));

  std::vector<ArchiveMember> members;
  std::uint64_t total = 0;
  const double outer_size = std::max<double>(1.0, static_cast<double>(bytes.size()));
  archive_entry* entry = nullptr;
  std::vector<std::byte> chunk(1 << 16);
  while (true) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* e = archive_error_string(a.get());
      if (members.empty()) return make_error(ErrorCode::format, std::string("archive: ") + (e ? e : "unreadable"));
      ArchiveMember bad;
      bad.name = "(damaged entry)";
      bad.error = make_error(ErrorCode::format, std::string("archive: ") + (e ? e : "damaged"));
      members.push_back(std::move(bad));
      break;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;  // dirs, links, devices
    ArchiveMember m;
    const char* name = archive_entry_pathname(entry);
    m.name = name ? name : "data";
    while (!m.name.empty() && m.name.front() == '/') m.name.erase(0, 1);
    // A member nobody asked for is neither counted nor expanded.
    if (wanted && !wanted(m.name)) continue;
    if (Status s = budget.add_member(); !s.ok() || !(s = budget.check_time()).ok()) {
      m.error = std::move(s);
      members.push_back(std::move(m));
      break;
    }
    if (archive_entry_is_encrypted(entry)) {
      m.error = make_error(ErrorCode::format, "encrypted entry");
      members.push_back(std::move(m));
      continue;
    }
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), chunk.data(), chunk.size());
      if (n == 0) break;
      if (n < 0) {
        const char* e = archive_error_string(a.get());
        m.error = make_error(ErrorCode::format, std::string("archive: ") + (e ? e : "read error"));
        break;
      }
      total += static_cast<std::uint64_t>(n);
      if (m.bytes.size() + static_cast<std::size_t>(n) > limits.max_member_bytes) {
        m.error = make_error(ErrorCode::limit, "limit: member over " + std::to_string(limits.max_member_bytes) + " bytes");
        break;
      }
      if (Status s = budget.expand(static_cast<std::uint64_t>(n)); !s.ok() || !(s = budget.check_time()).ok()) {
        m.error = std::move(s);
        break;
      }
      if (total > limits.ratio_min_bytes && static_cast<double>(total) / outer_size > limits.max_ratio) {
        m.error = make_error(ErrorCode::limit, "limit: expansion ratio " +
                                                   ratio_text(static_cast<double>(total) / outer_size) +
                                                   " over " + ratio_text(limits.max_ratio));
        break;
      }
      m.bytes.insert(m.bytes.end(), chunk.begin(), chunk.begin() + n);
    }
    const bool stop = !m.error.ok() && m.error.code == ErrorCode::limit;
    if (!m.error.ok()) m.bytes.clear();
    members.push_back(std::move(m));
    if (stop) break;  // totals are spent: the rest would breach too
  }
  return members;
}

}  // namespace

Result<std::vector<ArchiveMember>> list_archive(std::span<const std::byte> bytes,
                                                const ArchiveLimits& limits, ScanBudget* budget,
                                                const MemberFilter& wanted) {
  ScanBudget own(LoadLimits{}, limits);
  ScanBudget& b = budget ? *budget : own;
  // A bare .gz/.bz2/.xz holds one unnamed stream.
  const Format outer = sniff(bytes);
  const bool compressed_stream = outer == Format::gzip || outer == Format::bzip2 || outer == Format::xz;
  auto members = read_members(bytes, limits, b, compressed_stream, false, wanted);
  // A stream that starts with 512 zero bytes reads as an empty tar: read it
  // again as one stream, or a mesh behind a zero block would go unscanned.
  if (compressed_stream && members.ok() && members->empty()) return read_members(bytes, limits, b, true, true, wanted);
  return members;
}

}  // namespace meshsentry
