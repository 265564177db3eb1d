#include "deliver/message_form.hpp"

#include <gtest/gtest.h>

namespace deliver {
namespace {

TEST(MessageForm, DotStuffing) {
  EXPECT_EQ(dot_stuffed_data(".a\r\nb.\r\n.\r\n..\r\n"), "..a\r\nb.\r\n..\r\n...\r\n.\r\n");
  EXPECT_EQ(dot_stuffed_data("no end"), "no end\r\n.\r\n");
  EXPECT_EQ(dot_stuffed_data("bare\n.lf\n"), "bare\r\n..lf\r\n.\r\n");
  EXPECT_EQ(dot_stuffed_data(""), ".\r\n");
}

TEST(MessageForm, ReturnPathSender) {
  EXPECT_EQ(return_path_sender("Return-Path: <bounce@example.org>\r\nFrom: x\r\n\r\nbody"),
            "bounce@example.org");
  EXPECT_EQ(return_path_sender("return-path:\r\n <b@x>\r\n\r\n"), "b@x");
  EXPECT_EQ(return_path_sender("Return-Path: <>\r\n\r\n"), "");
  EXPECT_EQ(return_path_sender("From: a@b\r\n\r\nReturn-Path: <c@d>\r\n"), "");
  EXPECT_EQ(return_path_sender("Return-Path: <a b@c>\r\n\r\n"), "");
  EXPECT_EQ(return_path_sender("Return-Path: <" + std::string(300, 'a') + "@c>\r\n\r\n"), "");
}

}  // namespace
}  // namespace deliver
