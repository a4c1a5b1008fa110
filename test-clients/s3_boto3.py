"""boto3 (Debian's python3-boto3) against Swiftlet's S3 API: argv = endpoint access secret.

Creates a bucket, uploads with put_object and with upload_fileobj (multipart, 12 MiB in 5 MiB
parts), lists, reads back byte for byte, presigns, deletes; prints OK on success.
"""
import hashlib
import io
import os
import sys
import urllib.request

import boto3
from botocore.client import Config

endpoint, access, secret = sys.argv[1:4]
s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                  region_name='us-east-1', config=Config(s3={'addressing_style': 'path'}, signature_version='s3v4'))
s3.create_bucket(Bucket='boto')
s3.put_object(Bucket='boto', Key='small', Body=b'small body', Metadata={'who': 'boto3'})
head = s3.head_object(Bucket='boto', Key='small')
assert head['Metadata'] == {'who': 'boto3'}, head['Metadata']
big = os.urandom(12 * 1024 * 1024)
s3.upload_fileobj(io.BytesIO(big), 'boto', 'big', Config=boto3.s3.transfer.TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
got = s3.get_object(Bucket='boto', Key='big')['Body'].read()
assert hashlib.md5(got).hexdigest() == hashlib.md5(big).hexdigest(), 'multipart bytes differ'
keys = [o['Key'] for o in s3.list_objects_v2(Bucket='boto')['Contents']]
assert keys == ['big', 'small'], keys
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'boto', 'Key': 'small'}, ExpiresIn=300)
assert urllib.request.urlopen(url).read() == b'small body'
s3.delete_objects(Bucket='boto', Delete={'Objects': [{'Key': 'big'}, {'Key': 'small'}]})
s3.delete_bucket(Bucket='boto')
print('OK')
