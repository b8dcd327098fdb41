// SPDX-License-Identifier: MIT
// libpng reports errors by longjmp, so nothing with a destructor is created
// between setjmp and the end of encoding: the buffers live in the caller's frame.
#include "render/png_writer.hpp"

#include <png.h>

#include <csetjmp>
#include <string>

namespace meshsentry::render {
namespace {

void append_bytes(png_structp png, png_bytep data, png_size_t size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + size);
}
void no_flush(png_structp) {}

// Returns false when libpng gave up (it longjmps back here).
bool encode(const Image& image, std::vector<png_bytep>& rows, std::vector<std::uint8_t>& out) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &out, append_bytes, no_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 9);
  png_set_rows(png, info, rows.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Result<std::vector<std::uint8_t>> encode_png(const Image& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != 3 * static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height))
    return make_error(ErrorCode::invalid, "png: image is empty or its buffer does not match its size");
  std::vector<png_bytep> rows(static_cast<std::size_t>(image.height));
  for (int y = 0; y < image.height; ++y)
    rows[static_cast<std::size_t>(y)] = const_cast<png_bytep>(&image.rgb[3 * static_cast<std::size_t>(y) * image.width]);
  std::vector<std::uint8_t> out;
  out.reserve(image.rgb.size() / 4);
  if (!encode(image, rows, out)) return make_error(ErrorCode::io, "png: libpng failed to encode the image");
  return out;
}

}  // namespace meshsentry::render
